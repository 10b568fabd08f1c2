// One error class for the whole service, with a literal-union code (in the style of panva/jose).
// The code decides the HTTP status and whether the message may be shown; pages never show
// `message` directly, they show the catalog text for `code`.

export type ErrorCode =
  | 'config_invalid'
  | 'store_unavailable'
  | 'store_not_writable'
  | 'directory_unavailable'
  | 'account_not_found'
  | 'account_exists'
  | 'invalid_credentials'
  | 'account_locked'
  | 'account_disabled'
  | 'password_expired'
  | 'password_must_change'
  | 'policy_violation'
  | 'password_in_history'
  | 'privileged_account'
  | 'rate_limited'
  | 'csrf_failed'
  | 'invalid_input'
  | 'payload_too_large'
  | 'message_not_sent'
  | 'not_found'
  | 'internal';

const statusByCode: Record<ErrorCode, number> = {
  config_invalid: 500,
  store_unavailable: 503,
  store_not_writable: 500,
  directory_unavailable: 503,
  account_not_found: 404,
  account_exists: 409,
  invalid_credentials: 401,
  account_locked: 423,
  account_disabled: 403,
  password_expired: 403,
  password_must_change: 403,
  policy_violation: 422,
  password_in_history: 422,
  privileged_account: 403,
  rate_limited: 429,
  csrf_failed: 403,
  invalid_input: 400,
  payload_too_large: 413,
  // The SMS gateway or mail server failed: a bad gateway, not the user's fault; they can try another method.
  message_not_sent: 502,
  not_found: 404,
  internal: 500,
};

export class NyckelError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra structured detail for logs and audit (never shown to users as-is). */
  readonly detail: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; detail?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NyckelError';
    this.code = code;
    this.status = statusByCode[code];
    this.detail = options?.detail;
  }
}

export function isNyckelError(error: unknown, code?: ErrorCode): error is NyckelError {
  return error instanceof NyckelError && (code === undefined || error.code === code);
}
