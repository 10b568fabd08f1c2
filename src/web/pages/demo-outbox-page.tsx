// Demo mode only: what would have been sent by SMS or e-mail, newest first.

import type { Catalog } from '../../i18n/catalog.ts';
import type { OutboxEntry } from '../../messaging/outbox.ts';
import { formatDateTime } from '../format.ts';

export function DemoOutboxPage(props: { t: Catalog; entries: readonly OutboxEntry[] }) {
  const o = props.t.demoOutbox;
  return (
    <>
      <h1>{o.title}</h1>
      <p class="lead">{o.lead}</p>
      {props.entries.length === 0 ? (
        <p>{o.empty}</p>
      ) : (
        <div class="table-wrap">
          <table>
            <caption>{o.caption}</caption>
            <thead>
              <tr>
                <th scope="col">{o.time}</th>
                <th scope="col">{o.channel}</th>
                <th scope="col">{o.to}</th>
                <th scope="col">{o.message}</th>
              </tr>
            </thead>
            <tbody>
              {props.entries.map((entry) => (
                <tr>
                  <td>{formatDateTime(props.t, new Date(entry.time))}</td>
                  <td>{entry.channel === 'sms' ? o.sms : o.email}</td>
                  <td>{entry.to}</td>
                  <td class="message">{entry.channel === 'email' ? `${entry.subject}\n\n${entry.text}` : entry.text}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
