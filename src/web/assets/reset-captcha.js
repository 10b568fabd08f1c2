// Registers the proof-of-work worker for the reset page's captcha (the altcha widget's
// "external" build bundles no workers). The worker file comes from our own origin, so the
// CSP (script-src 'self', which also governs workers) needs no exception.
globalThis.$altcha?.algorithms.set('SHA-256', () => new Worker('/assets/altcha-sha-worker.js'));
