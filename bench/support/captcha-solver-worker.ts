// A worker thread for the breach-day benchmark that solves reset captchas the way the widget
// does in an employee's browser (altcha-lib's solver, the challenge's own difficulty). The
// benchmark runs one per core, ahead of each load phase, so the solving isn't counted as
// server time: on breach day that work happens on the employees' own devices.

import { parentPort } from 'node:worker_threads';
import { solveCaptchaChallenge } from '../../src/security/captcha.ts';

export interface SolveRequest {
  id: number;
  challenge: string;
}

export interface SolveAnswer {
  id: number;
  payload: string | null;
  error: string | null;
}

if (parentPort === null) throw new Error('captcha-solver-worker.ts runs as a worker thread');
const port = parentPort;

port.on('message', (request: SolveRequest) => {
  solveCaptchaChallenge(request.challenge).then(
    (payload) => port.postMessage({ id: request.id, payload, error: null } satisfies SolveAnswer),
    (error: unknown) => port.postMessage({ id: request.id, payload: null, error: String(error) } satisfies SolveAnswer),
  );
});
