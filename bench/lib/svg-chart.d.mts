// Types for svg-chart.mjs, so the TypeScript test suite (test/bench/svg-chart.test.ts) can import it.
export interface LineSeries {
  name: string;
  points: Array<[number, number]>;
  color?: string;
  dashed?: boolean;
  markers?: boolean;
}
export interface LineChartOptions {
  title: string;
  xLabel?: string;
  yLabel?: string;
  series: LineSeries[];
  xLog?: boolean;
  yLog?: boolean;
  yZero?: boolean;
  xTicks?: number[];
  width?: number;
  height?: number;
}
export interface BarSeries {
  name: string;
  values: Array<number | undefined>;
  color?: string;
}
export interface BarChartOptions {
  title: string;
  xLabel?: string;
  yLabel?: string;
  categories: string[];
  series: BarSeries[];
  yLog?: boolean;
  width?: number;
  height?: number;
}
export function escapeXml(text: unknown): string;
export function formatTick(value: number): string;
export function linearTicks(min: number, max: number, target?: number): number[];
export function logTicks(min: number, max: number): number[];
export function lineChart(options: LineChartOptions): string;
export function barChart(options: BarChartOptions): string;
