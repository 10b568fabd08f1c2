// Server-rendered SVG charts for the staff pages (reports, campaign progress). No JavaScript and
// no inline style (the CSP forbids both): shapes carry classes styled in assets/charts.css.
// Readable without colour (WCAG 1.4.1): the second series is hatched, lines differ by dash and
// marker shape, every bar and line end carries its value as text, and the legend repeats the
// pattern. Each chart is an image with an accessible name (role="img", <title>, <desc>) and the
// same numbers in a data table beside it, visible or visually hidden (WCAG 1.1.1 text alternative).

import type { Child } from 'hono/jsx';
import { numberFormat } from '../../i18n/intl-formats.ts';

/** One series of numbers: a name (legend, table heading) and one value per category or day. */
export interface ChartSeries {
  /** Shown in the legend, beside the line end and as the table's column heading. */
  name: string;
  /** One value per category (BarChart) or per day (TimeSeriesChart), in the same order. */
  values: readonly number[];
}

/** What both charts share. */
export interface ChartCommonProps {
  /**
   * A prefix for the element ids inside the chart (title, patterns, table), unique on the page:
   * two charts on one page need different ids. Letters, digits and '-' only.
   */
  id: string;
  /** The chart's accessible name, also the data table's caption. */
  title: string;
  /** A one-sentence description read after the name (e.g. "The same figures are in the table below."). */
  description?: string;
  /** Formats a value for the labels and the table (e.g. a percentage); default: the number in `locale`. */
  formatValue?: (value: number) => string;
  /** BCP 47 locale for the default number format (the catalog's `t.meta.locale`). */
  locale: string;
  /** The data table: 'visible' below the chart, or 'hidden' (read by screen readers only). Default 'hidden'. */
  table?: 'visible' | 'hidden';
  /** The text shown instead of the chart when there is nothing to draw. */
  emptyText: string;
  /** The upper end of the value axis (e.g. 100 for percentages); default: a round number above the largest value. */
  max?: number;
}

/** A horizontal bar chart: categories (e.g. departments) down the side, one or two series as bars. */
export interface BarChartProps extends ChartCommonProps {
  /** The category labels, one bar group each (e.g. department names). */
  categories: readonly string[];
  /** One or two series; the first drawn solid, the second hatched. */
  series: readonly ChartSeries[];
  /** The table's first column heading (what a category is, e.g. "Department"). */
  categoryHeading: string;
}

/** A line chart over consecutive days: one or more series (e.g. changed, pending). */
export interface TimeSeriesChartProps extends ChartCommonProps {
  /** The days in order, as ISO dates (YYYY-MM-DD); each series has one value per day. */
  days: readonly string[];
  /** The series; each gets its own dash pattern and marker shape. */
  series: readonly ChartSeries[];
  /** Formats a day for the axis and the table (e.g. "3 mars"); default: the ISO date. */
  formatDay?: (isoDate: string) => string;
  /** The table's first column heading (e.g. "Day"). */
  dayHeading: string;
}

const FONT = 14;
const BAR_HEIGHT = 18;
const BAR_GAP = 4;
const GROUP_GAP = 14;
const WIDTH = 640;
const LABEL_WIDTH = 180;
const VALUE_ROOM = 70;
const MAX_LINE_SERIES_STYLES = 4;

function defaultFormat(locale: string): (value: number) => string {
  const format = numberFormat(locale, { maximumFractionDigits: 1 });
  return (value) => format.format(value);
}

/** A round number at or above the largest value, so the axis ends on a readable tick. */
export function niceMax(largest: number): number {
  if (!Number.isFinite(largest) || largest <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(largest));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * magnitude >= largest) return step * magnitude;
  }
  return 10 * magnitude;
}

function safeValue(value: number | undefined): number {
  return value === undefined || !Number.isFinite(value) ? 0 : value;
}

/** Long labels are shortened in the picture only; the table keeps them whole. */
function shorten(label: string, max: number): string {
  return label.length <= max ? label : `${label.slice(0, max - 1)}…`;
}

/** The data table with the chart's figures (the text alternative). */
function ChartTable(props: {
  id: string;
  caption: string;
  heading: string;
  rows: readonly string[];
  series: readonly ChartSeries[];
  format: (value: number) => string;
  visible: boolean;
}) {
  const table = (
    <table id={`${props.id}-table`} class="chart-table">
      <caption id={`${props.id}-caption`}>{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">{props.heading}</th>
          {props.series.map((s) => (
            <th scope="col" class="chart-table__number">
              {s.name}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((row, index) => (
          <tr>
            <th scope="row">{row}</th>
            {props.series.map((s) => (
              <td class="chart-table__number">{props.format(safeValue(s.values[index]))}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
  // A table wider than the screen scrolls sideways: the region is focusable so keyboard users can scroll it too.
  return props.visible ? (
    <section class="table-wrap chart-table-wrap" aria-labelledby={`${props.id}-caption`} tabindex={0}>
      {table}
    </section>
  ) : (
    <div class="visually-hidden">{table}</div>
  );
}

/** The legend under a chart: a swatch with the series' pattern or line style, and its name. */
function ChartLegend(props: { id: string; kind: 'bar' | 'line'; series: readonly ChartSeries[] }) {
  return (
    <ul class="chart-legend">
      {props.series.map((s, index) => (
        <li class="chart-legend__item">
          <svg class="chart-legend__swatch" viewBox="0 0 32 16" width="32" height="16" aria-hidden="true" focusable="false">
            {props.kind === 'bar' ? (
              <rect
                x="1"
                y="1"
                width="30"
                height="14"
                class={`chart-bar chart-bar--${index % 2}`}
                fill={index % 2 === 1 ? `url(#${props.id}-hatch)` : undefined}
              />
            ) : (
              <>
                <line x1="0" y1="8" x2="32" y2="8" class={`chart-line chart-line--${index % MAX_LINE_SERIES_STYLES}`} />
                <ChartMarker x={16} y={8} index={index} />
              </>
            )}
          </svg>
          {s.name}
        </li>
      ))}
    </ul>
  );
}

/** The hatch pattern of the second bar series, defined once per chart. */
function BarPatterns(props: { id: string }) {
  return (
    <defs>
      <pattern id={`${props.id}-hatch`} patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">
        <rect width="6" height="6" class="chart-hatch__ground" />
        <line x1="0" y1="0" x2="0" y2="6" class="chart-hatch__line" />
      </pattern>
    </defs>
  );
}

function ChartFigure(props: { id: string; kind: 'bar' | 'line'; series: readonly ChartSeries[]; children: Child; table: Child }) {
  return (
    <figure class={`chart chart--${props.kind}`}>
      {props.children}
      <ChartLegend id={props.id} kind={props.kind} series={props.series} />
      {props.table}
    </figure>
  );
}

/**
 * Horizontal bars, one group per category, one bar per series, each bar labelled with its value.
 * The first series is solid, the second hatched (readable in greyscale and high contrast).
 */
export function BarChart(props: BarChartProps) {
  const format = props.formatValue ?? defaultFormat(props.locale);
  const series = props.series.slice(0, 2);
  const table = (
    <ChartTable
      id={props.id}
      caption={props.title}
      heading={props.categoryHeading}
      rows={props.categories}
      series={series}
      format={format}
      visible={props.table === 'visible'}
    />
  );
  if (props.categories.length === 0 || series.length === 0) return <p class="chart-empty">{props.emptyText}</p>;
  const largest = Math.max(0, ...series.flatMap((s) => props.categories.map((_, i) => safeValue(s.values[i]))));
  const max = props.max ?? niceMax(largest);
  const groupHeight = series.length * BAR_HEIGHT + (series.length - 1) * BAR_GAP;
  const top = FONT + 8;
  const plotWidth = WIDTH - LABEL_WIDTH - VALUE_ROOM;
  const height = top + props.categories.length * (groupHeight + GROUP_GAP) + FONT + 8;
  const axisY = height - FONT - 8;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * max);
  return (
    <ChartFigure id={props.id} kind="bar" series={series} table={table}>
      <svg
        class="chart__image"
        viewBox={`0 0 ${WIDTH} ${height}`}
        role="img"
        aria-labelledby={`${props.id}-title`}
        aria-describedby={props.description === undefined ? undefined : `${props.id}-desc`}
        focusable="false"
      >
        <title id={`${props.id}-title`}>{props.title}</title>
        {props.description === undefined ? null : <desc id={`${props.id}-desc`}>{props.description}</desc>}
        <BarPatterns id={props.id} />
        {ticks.map((tick) => {
          const x = LABEL_WIDTH + (tick / max) * plotWidth;
          return (
            <>
              <line x1={x} y1={top - 4} x2={x} y2={axisY} class="chart-grid" />
              <text x={x} y={height - 4} class="chart-text chart-text--axis" text-anchor="middle">
                {format(tick)}
              </text>
            </>
          );
        })}
        {props.categories.map((category, row) => {
          const groupTop = top + row * (groupHeight + GROUP_GAP);
          return (
            <g class="chart-group">
              <text x={LABEL_WIDTH - 8} y={groupTop + groupHeight / 2 + FONT / 3} class="chart-text" text-anchor="end">
                {shorten(category, 24)}
              </text>
              {series.map((s, index) => {
                const value = safeValue(s.values[row]);
                const barWidth = Math.max(0, Math.min(1, value / max)) * plotWidth;
                const y = groupTop + index * (BAR_HEIGHT + BAR_GAP);
                return (
                  <>
                    <rect
                      x={LABEL_WIDTH}
                      y={y}
                      width={barWidth.toFixed(1)}
                      height={BAR_HEIGHT}
                      class={`chart-bar chart-bar--${index}`}
                      fill={index === 1 ? `url(#${props.id}-hatch)` : undefined}
                    />
                    <text
                      x={(LABEL_WIDTH + barWidth + 6).toFixed(1)}
                      y={y + BAR_HEIGHT / 2 + FONT / 3}
                      class="chart-text chart-text--value"
                    >
                      {format(value)}
                    </text>
                  </>
                );
              })}
            </g>
          );
        })}
        <line x1={LABEL_WIDTH} y1={top - 4} x2={LABEL_WIDTH} y2={axisY} class="chart-axis" />
      </svg>
    </ChartFigure>
  );
}

/** A distinct marker per series: circle, square, triangle, diamond (shape, not colour, tells them apart). */
function ChartMarker(props: { x: number; y: number; index: number }) {
  const { x, y } = props;
  const cls = `chart-marker chart-marker--${props.index % MAX_LINE_SERIES_STYLES}`;
  switch (props.index % MAX_LINE_SERIES_STYLES) {
    case 0:
      return <circle cx={x} cy={y} r="4" class={cls} />;
    case 1:
      return <rect x={x - 4} y={y - 4} width="8" height="8" class={cls} />;
    case 2:
      return <polygon points={`${x},${y - 5} ${x + 5},${y + 4} ${x - 5},${y + 4}`} class={cls} />;
    default:
      return <polygon points={`${x},${y - 5} ${x + 5},${y} ${x},${y + 5} ${x - 5},${y}`} class={cls} />;
  }
}

/**
 * Lines over days, each series with its own dash pattern and marker shape, its name and last
 * value written at the line's end. Markers are drawn on every day when there are 31 or fewer.
 */
export function TimeSeriesChart(props: TimeSeriesChartProps) {
  const format = props.formatValue ?? defaultFormat(props.locale);
  const formatDay = props.formatDay ?? ((day: string) => day);
  const table = (
    <ChartTable
      id={props.id}
      caption={props.title}
      heading={props.dayHeading}
      rows={props.days.map(formatDay)}
      series={props.series}
      format={format}
      visible={props.table === 'visible'}
    />
  );
  if (props.days.length === 0 || props.series.length === 0) return <p class="chart-empty">{props.emptyText}</p>;
  const largest = Math.max(0, ...props.series.flatMap((s) => props.days.map((_, i) => safeValue(s.values[i]))));
  const max = props.max ?? niceMax(largest);
  const left = 56;
  const right = 170;
  const top = 16;
  const height = 280;
  const bottom = height - FONT - 12;
  const plotWidth = WIDTH - left - right;
  const count = props.days.length;
  const xOf = (i: number) => left + (count === 1 ? plotWidth / 2 : (i / (count - 1)) * plotWidth);
  const yOf = (v: number) => bottom - (Math.max(0, Math.min(max, v)) / max) * (bottom - top);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * max);
  const dayTicks = [...new Set([0, Math.floor((count - 1) / 2), count - 1])];
  // End labels are nudged apart so two series ending on the same value stay readable.
  const endLabels = props.series.map((s, index) => ({ index, y: yOf(safeValue(s.values[count - 1])) })).sort((a, b) => a.y - b.y);
  for (let i = 1; i < endLabels.length; i++) {
    const previous = endLabels[i - 1] as { y: number };
    const current = endLabels[i] as { y: number };
    if (current.y - previous.y < FONT + 2) current.y = previous.y + FONT + 2;
  }
  const endY = new Map(endLabels.map((label) => [label.index, label.y]));
  return (
    <ChartFigure id={props.id} kind="line" series={props.series} table={table}>
      <svg
        class="chart__image"
        viewBox={`0 0 ${WIDTH} ${height}`}
        role="img"
        aria-labelledby={`${props.id}-title`}
        aria-describedby={props.description === undefined ? undefined : `${props.id}-desc`}
        focusable="false"
      >
        <title id={`${props.id}-title`}>{props.title}</title>
        {props.description === undefined ? null : <desc id={`${props.id}-desc`}>{props.description}</desc>}
        {ticks.map((tick) => (
          <>
            <line x1={left} y1={yOf(tick)} x2={left + plotWidth} y2={yOf(tick)} class="chart-grid" />
            <text x={left - 6} y={yOf(tick) + FONT / 3} class="chart-text chart-text--axis" text-anchor="end">
              {format(tick)}
            </text>
          </>
        ))}
        {dayTicks.map((i) => (
          <text
            x={xOf(i)}
            y={height - 4}
            class="chart-text chart-text--axis"
            text-anchor={count === 1 ? 'middle' : i === 0 ? 'start' : i === count - 1 ? 'end' : 'middle'}
          >
            {formatDay(props.days[i] as string)}
          </text>
        ))}
        <line x1={left} y1={bottom} x2={left + plotWidth} y2={bottom} class="chart-axis" />
        {props.series.map((s, index) => {
          const points = props.days.map((_, i) => `${xOf(i).toFixed(1)},${yOf(safeValue(s.values[i])).toFixed(1)}`).join(' ');
          const last = safeValue(s.values[count - 1]);
          return (
            <g class="chart-series">
              <polyline points={points} class={`chart-line chart-line--${index % MAX_LINE_SERIES_STYLES}`} />
              {count <= 31 ? (
                props.days.map((_, i) => <ChartMarker x={xOf(i)} y={yOf(safeValue(s.values[i]))} index={index} />)
              ) : (
                <ChartMarker x={xOf(count - 1)} y={yOf(last)} index={index} />
              )}
              <text x={left + plotWidth + 10} y={(endY.get(index) ?? yOf(last)) + FONT / 3} class="chart-text chart-text--value">
                {`${shorten(s.name, 14)}: ${format(last)}`}
              </text>
            </g>
          );
        })}
      </svg>
    </ChartFigure>
  );
}
