// The charts' rendered markup: an image with a name, the same figures in a table, values written
// on the picture, series told apart without colour, labels escaped, and nothing drawn when empty.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BarChart, niceMax, TimeSeriesChart } from './charts.tsx';

async function render(node: unknown): Promise<string> {
  return (await (node as { toString(): Promise<string> | string }).toString()).toString();
}

/** The text content of every <td> in order. */
function cells(html: string): string[] {
  return [...html.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((m) => m[1] as string);
}

describe('BarChart', () => {
  const props = {
    id: 'coverage',
    title: 'Registrerade metoder per förvaltning',
    description: 'Samma siffror finns i tabellen.',
    locale: 'sv-SE',
    emptyText: 'Inga konton.',
    categoryHeading: 'Förvaltning',
    categories: ['Socialförvaltningen', 'Skola <& förskola>'],
    series: [
      { name: 'Minst en metod', values: [80, 45.5] },
      { name: 'Minst två metoder', values: [40, 10] },
    ],
    max: 100,
    formatValue: (v: number) => `${v} %`,
  };

  it('is an image named by its title and description, with the data table beside it', async () => {
    const html = await render(<BarChart {...props} />);
    assert.match(html, /<svg[^>]*role="img"[^>]*aria-labelledby="coverage-title"[^>]*aria-describedby="coverage-desc"/);
    assert.match(html, /<title id="coverage-title">Registrerade metoder per förvaltning<\/title>/);
    assert.match(html, /<desc id="coverage-desc">Samma siffror finns i tabellen.<\/desc>/);
    assert.match(html, /<div class="visually-hidden"><table id="coverage-table"/);
    assert.match(html, /<caption id="coverage-caption">Registrerade metoder per förvaltning<\/caption>/);
    assert.match(html, /<th scope="col">Förvaltning<\/th>/);
    assert.match(html, /<th scope="row">Socialförvaltningen<\/th>/);
    assert.deepEqual(cells(html), ['80 %', '40 %', '45.5 %', '10 %']);
  });

  it('writes every value on the picture and hatches the second series (not colour alone)', async () => {
    const html = await render(<BarChart {...props} />);
    const svg = html.slice(html.indexOf('<svg class="chart__image"'), html.indexOf('</svg>'));
    for (const value of ['80 %', '40 %', '45.5 %', '10 %']) assert.ok(svg.includes(`>${value}</text>`), value);
    assert.match(svg, /<pattern id="coverage-hatch"/);
    assert.equal((svg.match(/class="chart-bar chart-bar--1" fill="url\(#coverage-hatch\)"/g) ?? []).length, 2);
    assert.equal((svg.match(/class="chart-bar chart-bar--0"/g) ?? []).length, 2);
    // 80 of 100 on a 390-unit plot.
    assert.match(svg, /width="312.0"/);
    // The legend names both series, with the hatch on the second swatch.
    assert.match(html, /Minst en metod<\/li>/);
    assert.match(html, /fill="url\(#coverage-hatch\)"[^>]*\/?>(<\/rect>)?<\/svg>Minst två metoder<\/li>/);
  });

  it('escapes labels and shows the table when asked', async () => {
    const html = await render(<BarChart {...props} table="visible" />);
    assert.ok(!html.includes('<& förskola>'));
    assert.match(html, /Skola &lt;&amp; förskola&gt;/);
    // Visible, the table scrolls sideways in a focusable, named region.
    assert.match(
      html,
      /<section class="table-wrap chart-table-wrap" aria-labelledby="coverage-caption" tabindex="0"><table id="coverage-table"/,
    );
  });

  it('shows the empty text instead of a chart when there is nothing to draw', async () => {
    const html = await render(<BarChart {...props} categories={[]} />);
    assert.equal(html, '<p class="chart-empty">Inga konton.</p>');
  });

  it('formats numbers in the locale by default and rounds the axis up', async () => {
    const html = await render(
      <BarChart {...props} formatValue={undefined} max={undefined} series={[{ name: 'Konton', values: [1234, 17] }]} />,
    );
    assert.deepEqual(cells(html), ['1\u00a0234', '17']);
    // The axis ends at 2 000 (a round number above 1 234).
    assert.match(html, />2\u00a0000<\/text>/);
    assert.equal(niceMax(1234), 2000);
    assert.equal(niceMax(0), 1);
    assert.equal(niceMax(7), 10);
    assert.equal(niceMax(25), 25);
  });
});

describe('TimeSeriesChart', () => {
  const props = {
    id: 'progress',
    title: 'Bytta och kvar över tid',
    locale: 'en-GB',
    emptyText: 'No days yet.',
    dayHeading: 'Day',
    days: ['2026-03-01', '2026-03-02', '2026-03-03'],
    series: [
      { name: 'Changed', values: [0, 40, 90] },
      { name: 'Pending', values: [100, 60, 10] },
    ],
  };

  it('is a named image with one row per day in its table', async () => {
    const html = await render(<TimeSeriesChart {...props} formatDay={(d) => `day ${d.slice(8)}`} />);
    assert.match(html, /<svg[^>]*role="img"[^>]*aria-labelledby="progress-title"/);
    assert.ok(!/aria-describedby/.test(html), 'no description given, none referenced');
    assert.deepEqual(
      [...html.matchAll(/<th scope="row">([^<]*)<\/th>/g)].map((m) => m[1]),
      ['day 01', 'day 02', 'day 03'],
    );
    assert.deepEqual(cells(html), ['0', '100', '40', '60', '90', '10']);
    assert.match(html, />day 01<\/text>/);
    assert.match(html, />day 03<\/text>/);
  });

  it('tells the lines apart by dash and marker, and writes each end value', async () => {
    const html = await render(<TimeSeriesChart {...props} />);
    assert.match(html, /<polyline points="[^"]+" class="chart-line chart-line--0"/);
    assert.match(html, /<polyline points="[^"]+" class="chart-line chart-line--1"/);
    assert.equal((html.match(/<circle [^>]*class="chart-marker chart-marker--0"/g) ?? []).length, 4); // 3 days + legend
    assert.equal((html.match(/<rect [^>]*class="chart-marker chart-marker--1"/g) ?? []).length, 4);
    assert.match(html, />Changed: 90<\/text>/);
    assert.match(html, />Pending: 10<\/text>/);
    // The largest value (100) sits on the top grid line: y = 16.
    assert.match(html, /class="chart-line chart-line--1"/);
    assert.ok(html.includes('points="56.0,16.0 '), 'the first pending point is at the top left');
  });

  it('draws a single day in the middle and shows the empty text without days', async () => {
    const one = await render(<TimeSeriesChart {...props} days={['2026-03-01']} series={[{ name: 'Changed', values: [5] }]} />);
    assert.match(one, /points="263.0,/);
    const none = await render(<TimeSeriesChart {...props} days={[]} />);
    assert.equal(none, '<p class="chart-empty">No days yet.</p>');
  });
});
