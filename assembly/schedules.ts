// Learning-rate schedules' transcendental parts (Keras 3's formulas), one scalar call per optimizer step, so
// every engine gives the same bits. Scalars are f64, not f32: the value is exact before the optimizer rounds
// it once (Keras computes in float32 throughout). Division, floor and comparisons stay in the host.
import { log, pow } from './math';

/** initial·rate^p, p = step/decaySteps, floored when staircase (ExponentialDecay) */
export function exponentialDecay(initial: f64, step: f64, decaySteps: f64, decayRate: f64, staircase: bool): f64 {
  let p = step / decaySteps;
  if (staircase) p = Math.floor(p);
  return initial * pow(decayRate, p);
}

/** (initial − end)·(1 − p)^power + end, p = step/steps (the host clamps or cycles step and steps: PolynomialDecay) */
export function polynomialDecay(initial: f64, end: f64, step: f64, steps: f64, power: f64): f64 {
  return (initial - end) * pow(1 - step / steps, power) + end;
}

/** from·((1 − alpha)·½(1 + cos(π·step/decaySteps)) + alpha), step already clamped (CosineDecay's decay) */
export function cosineDecay(from: f64, step: f64, decaySteps: f64, alpha: f64): f64 {
  const cosine = 0.5 * (1 + Math.cos(Math.PI * (step / decaySteps)));
  return from * ((1 - alpha) * cosine + alpha);
}

/**
 * initial·((1 − alpha)·mMul^i·½(1 + cos(π·f)) + alpha) for the restart i and fraction f of its period that
 * step falls in, periods firstDecaySteps·tMul^i (CosineDecayRestarts; Keras's SGDR). tMul ≥ 1, mMul ≥ 0.
 */
export function cosineDecayRestarts(initial: f64, step: f64, firstDecaySteps: f64, tMul: f64, mMul: f64, alpha: f64): f64 {
  let fraction = step / firstDecaySteps;
  let restart: f64;
  if (tMul == 1) {
    restart = Math.floor(fraction);
    fraction -= restart;
  } else {
    restart = Math.floor(log(1 - fraction * (1 - tMul)) / log(tMul));
    // NOTE: log's rounding can put a step on a period's first step into the period before (f ≈ 1, the
    // lowest rate instead of the highest): the geometric sums decide, as exact arithmetic would.
    if ((1 - pow(tMul, restart + 1)) / (1 - tMul) <= fraction) restart += 1;
    else if (restart > 0 && (1 - pow(tMul, restart)) / (1 - tMul) > fraction) restart -= 1;
    const before = (1 - pow(tMul, restart)) / (1 - tMul);
    fraction = (fraction - before) / pow(tMul, restart);
  }
  const cosine = 0.5 * pow(mMul, restart) * (1 + Math.cos(Math.PI * fraction));
  return initial * ((1 - alpha) * cosine + alpha);
}
