// The parts both passkey pages share: the no-JavaScript fallback (with a way to other methods),
// the form that passkey.js reveals and drives, its live status line, and the two scripts. The
// ceremony options travel in a data attribute (escaped by the JSX renderer), never in inline
// script, which the CSP forbids.

import type { Child } from 'hono/jsx';
import type { Catalog } from '../../i18n/catalog.ts';
import { passkeyScriptHrefs } from '../assets.ts';
import { CsrfField } from '../components/form-fields.tsx';

export interface PasskeyCeremonyFormProps {
  t: Catalog;
  ceremony: 'register' | 'sign_in';
  action: string;
  csrfToken: string;
  /** PublicKeyCredentialCreationOptionsJSON or …RequestOptionsJSON, as JSON. */
  optionsJson: string;
  submitLabel: string;
  /** The button's id, so the error summary can lead back to it. */
  buttonId: string;
  /** Where "choose another method" leads. */
  otherMethodsHref: string;
  /** Fields before the button (the name field when registering). */
  children?: Child;
  /** Links beside the button (cancel). */
  actions?: Child;
}

export function PasskeyCeremonyForm(props: PasskeyCeremonyFormProps) {
  const { t } = props;
  return (
    <>
      <div class="notice" data-passkey-fallback>
        <p data-passkey-fallback-text>{t.passkey.needsJavaScript}</p>
        <p>
          <a href={props.otherMethodsHref}>{t.passkey.otherMethodsLink}</a>
        </p>
      </div>
      <form
        method="post"
        action={props.action}
        class="form"
        novalidate
        hidden
        data-passkey={props.ceremony === 'register' ? 'register' : 'sign-in'}
        data-options={props.optionsJson}
        data-msg-waiting={t.passkey.registerWaiting}
        data-msg-cancelled={t.passkey.cancelled}
        data-msg-already-on-device={t.passkey.alreadyOnDevice}
        data-msg-failed={t.passkey.failed}
        data-msg-unsupported={t.passkey.unsupported}
      >
        <CsrfField token={props.csrfToken} />
        <input type="hidden" name="credential" value="" />
        {props.children}
        <p class="passkey-status" role="status" data-passkey-status></p>
        <div class="actions">
          <button type="submit" class="button" id={props.buttonId}>
            {props.submitLabel}
          </button>
          {props.actions}
        </div>
      </form>
      <script src={passkeyScriptHrefs.webAuthnBrowser} defer></script>
      <script src={passkeyScriptHrefs.page} defer></script>
    </>
  );
}
