// Passkey pages, progressive enhancement: without this script the page says passkeys need
// JavaScript and offers other methods. With it, the form appears; submitting it runs the
// WebAuthn ceremony (@simplewebauthn/browser, served from /assets) with the options the server
// put in data-options, puts the answer in the hidden "credential" field and posts the form,
// so the server checks it and answers with an ordinary page. Texts come from data-msg-*
// attributes (the message catalogs), never from this file.
'use strict';

(() => {
  const form = document.querySelector('form[data-passkey]');
  if (!form) return;
  const fallback = document.querySelector('[data-passkey-fallback]');
  const status = document.querySelector('[data-passkey-status]');
  const button = form.querySelector('button[type="submit"]');
  const credential = form.querySelector('input[name="credential"]');
  const lib = window.SimpleWebAuthnBrowser;

  const say = (text) => {
    if (status) status.textContent = text;
  };

  if (!lib || !lib.browserSupportsWebAuthn()) {
    // The fallback keeps its links to other methods; only its text changes.
    const text = fallback?.querySelector('[data-passkey-fallback-text]');
    if (text) text.textContent = form.dataset.msgUnsupported;
    return;
  }

  if (fallback) fallback.hidden = true;
  form.hidden = false;

  let isBusy = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (isBusy) return;
    isBusy = true;
    button.disabled = true;
    say(form.dataset.msgWaiting);
    try {
      const optionsJSON = JSON.parse(form.dataset.options);
      const answer =
        form.dataset.passkey === 'register' ? await lib.startRegistration({ optionsJSON }) : await lib.startAuthentication({ optionsJSON });
      credential.value = JSON.stringify(answer);
      // form.submit() does not fire this handler again; the server now verifies the answer.
      form.submit();
    } catch (error) {
      const name = error?.name;
      const code = error?.code;
      if (code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED' || name === 'InvalidStateError') say(form.dataset.msgAlreadyOnDevice);
      else if (name === 'NotAllowedError' || name === 'AbortError') say(form.dataset.msgCancelled);
      else say(form.dataset.msgFailed);
      isBusy = false;
      button.disabled = false;
    }
  });
})();
