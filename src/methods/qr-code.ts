// QR codes as inline SVG for the otpauth URI, made on the server with `qrcode-generator`
// (no dependencies): no external QR service ever sees a seed, and the page needs no script.

import qrcode from 'qrcode-generator';

/** An SVG QR code of `text`, scalable, with a title for screen readers. */
export function qrCodeSvg(text: string, title: string): string {
  // Error correction M (15 %): survives a glare on the screen without making the code dense.
  const qr = qrcode(0, 'M');
  qr.addData(text, 'Byte');
  qr.make();
  const svg = qr.createSvgTag({ cellSize: 4, margin: 4, scalable: true });
  const escaped = title.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  // role=img with a title so assistive technology announces what the picture is (WCAG 1.1.1).
  return svg
    .replace(/^<svg /, `<svg role="img" aria-label="${escaped.replaceAll('"', '&quot;')}" `)
    .replace(/(<svg[^>]*>)/, `$1<title>${escaped}</title>`);
}
