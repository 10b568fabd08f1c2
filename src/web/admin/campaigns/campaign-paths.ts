// The campaign pages' addresses (literal paths; the campaign's id travels in the query or form).

export const CAMPAIGNS_BASE = '/admin/campaigns';
export const NEW_PATH = `${CAMPAIGNS_BASE}/new`;
export const CONFIRM_PATH = `${CAMPAIGNS_BASE}/confirm`;
export const START_PATH = `${CAMPAIGNS_BASE}/start`;
export const CAMPAIGN_PATH = `${CAMPAIGNS_BASE}/campaign`;
export const EXPORT_PATH = `${CAMPAIGNS_BASE}/pending.csv`;
export const CANCEL_PATH = `${CAMPAIGNS_BASE}/cancel`;

const q = (id: string) => `?id=${encodeURIComponent(id)}`;
export const campaignHref = (id: string) => `${CAMPAIGN_PATH}${q(id)}`;
export const confirmHref = (id: string) => `${CONFIRM_PATH}${q(id)}`;
export const exportHref = (id: string) => `${EXPORT_PATH}${q(id)}`;
export const cancelHref = (id: string) => `${CANCEL_PATH}${q(id)}`;
