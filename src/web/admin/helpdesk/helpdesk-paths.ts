// The helpdesk pages' addresses. RouteTable takes literal paths only, so the account and method
// travel in the query (GET) or the form (POST), and every link is built here.

export const HELPDESK_PATH = '/admin/helpdesk';
export const USER_PATH = `${HELPDESK_PATH}/user`;
export const VERIFY_PATH = `${HELPDESK_PATH}/verify`;
export const VERIFY_SEND_PATH = `${HELPDESK_PATH}/verify/send`;
export const UNLOCK_PATH = `${HELPDESK_PATH}/unlock`;
export const REQUIRE_CHANGE_PATH = `${HELPDESK_PATH}/require-change`;
export const ISSUE_PASS_PATH = `${HELPDESK_PATH}/issue-pass`;
export const REMOVE_METHOD_PATH = `${HELPDESK_PATH}/remove-method`;

/** A helpdesk page about one account (and maybe one of its methods), with the ids escaped for the query. */
export function helpdeskHref(path: string, accountId: string, methodId?: string): string {
  const query = new URLSearchParams({ id: accountId });
  if (methodId !== undefined) query.set('method', methodId);
  return `${path}?${query.toString()}`;
}
