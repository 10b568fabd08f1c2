// Live password checklist, progressive enhancement: the server renders the checklist (and
// enforces the policy on submit); this script only refreshes it while the user types. After a
// pause in typing (250 ms) it posts the password as JSON to the check endpoint named in
// data-check-url, with the form's CSRF token in a header, and writes each rule's state and text
// into the list. Every state is written in words from data-msg-* attributes (the message
// catalogs), never shown by colour alone. Failures leave the list as it was: the server still
// checks everything when the form is submitted.
'use strict';

(() => {
  const DEBOUNCE_MS = 250;

  for (const input of document.querySelectorAll('input[data-password-checklist-input]')) {
    const checklist = document.getElementById(input.dataset.passwordChecklistInput);
    const form = input.form;
    if (!checklist || !form) continue;
    const tokenField = form.querySelector('input[name="_csrf"]');
    const url = checklist.dataset.checkUrl;
    const words = { met: checklist.dataset.msgMet, unmet: checklist.dataset.msgNotMet, pending: checklist.dataset.msgPending };
    const items = new Map();
    for (const item of checklist.querySelectorAll('li[data-rule]')) items.set(item.dataset.rule, item);

    const show = (item, state, text) => {
      if (item.dataset.state === state && item.querySelector('.password-checklist__text').textContent === text) return;
      item.dataset.state = state;
      item.className = `password-checklist__item password-checklist__item--${state}`;
      item.querySelector('.password-checklist__state').textContent = words[state];
      item.querySelector('.password-checklist__text').textContent = text;
    };

    // An empty field shows every requirement again; the breached-password rule waits for the submit.
    const reset = () => {
      for (const [rule, item] of items) show(item, rule === 'notBreached' ? 'pending' : 'unmet', item.dataset.requirement);
    };

    let timer = null;
    let latest = 0;
    let controller = null;

    const check = async () => {
      const password = input.value;
      if (password === '') {
        reset();
        return;
      }
      const sequence = ++latest;
      // Only the newest answer counts: an older request still on its way is cancelled.
      if (controller) controller.abort();
      controller = new AbortController();
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': tokenField ? tokenField.value : '' },
          body: JSON.stringify({ password }),
          credentials: 'same-origin',
          signal: controller.signal,
        });
        if (!response.ok || sequence !== latest) return;
        const answer = await response.json();
        if (sequence !== latest || !Array.isArray(answer.checks)) return;
        for (const [rule, item] of items) {
          const result = answer.checks.find((c) => c.rule === rule);
          if (result) show(item, result.passed ? 'met' : 'unmet', result.text);
          else show(item, rule === 'notBreached' ? 'pending' : 'unmet', item.dataset.requirement);
        }
      } catch {
        // Offline, aborted or refused: keep the list as it is; the submit is checked on the server.
      }
    };

    input.addEventListener('input', () => {
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = null;
        check();
      }, DEBOUNCE_MS);
    });
  }
})();
