// "We can't reach the directory right now": shown above a form that is kept (sign in, change
// password, the reset flow's steps), so the person can simply try again. It says that nothing
// was changed, which is true: a directory write is one operation that either happened or not.

import type { Catalog } from '../../i18n/catalog.ts';

export function DirectoryUnavailableNotice(props: { t: Catalog }) {
  const { t } = props;
  return (
    <div class="notice notice--error" role="alert">
      <h2>{t.directoryErrors.unavailableTitle}</h2>
      <p>{t.directoryErrors.unavailable}</p>
      <p>{t.directoryErrors.unavailableWhatToDo}</p>
    </div>
  );
}
