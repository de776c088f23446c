// Line charts for the playground (loss and accuracy over epochs, live): uPlot draws them on a canvas, fast enough
// to redraw at every snapshot. The chart fills its container's width and keeps a fixed height (no layout shift).
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** One line: its legend label, colour, and a dash pattern for the test/validation twin of a training curve. */
export interface Line { label: string; color: string; dash?: number[] }

/** A chart to feed: `update(x, ys)` redraws with x values and one y array per line (null where a line has no value). */
export interface LineChart { update(x: number[], ys: (number | null)[][]): void; destroy(): void }

/** A line chart in `container`: x is the epoch (or step), y the lines' values; `yRange` fixes the y axis (accuracy: [0, 1]). */
export function lineChart(container: HTMLElement, options: { xLabel: string; lines: Line[]; height?: number; yRange?: [number, number] }): LineChart {
  const height = options.height ?? 180;
  container.style.minHeight = `${height + 40}px`; // the legend's row too: nothing moves when the chart appears
  const width = () => Math.max(200, container.clientWidth);
  const plot = new uPlot({
    width: width(),
    height,
    legend: { show: true, live: false }, // labels only: values under the pointer would read "--" most of the time
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: false }, y: options.yRange ? { range: options.yRange } : { auto: true } },
    axes: [{ label: options.xLabel, size: 36, labelSize: 16 }, { size: 48 }],
    series: [{ label: options.xLabel }, ...options.lines.map((l) => ({ label: l.label, stroke: l.color, width: 2, dash: l.dash, spanGaps: true }))],
  }, [[], ...options.lines.map(() => [])], container);
  const resize = new ResizeObserver(() => plot.setSize({ width: width(), height }));
  resize.observe(container);
  return {
    update(x, ys) { plot.setData([x, ...ys] as uPlot.AlignedData); },
    destroy() { resize.disconnect(); plot.destroy(); },
  };
}
