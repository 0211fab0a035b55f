// Entry of the device bundle (built by bench/gpu-device.mjs): Dawn's Node
// binding stands in for navigator.gpu, the device comes from the product's
// requestGpu, then bench/device-bench.ts runs. Prints the table, then the
// result as one JSON line.
import { create, globals } from 'webgpu';
import { requestGpu } from '../src/gpu/device';
import { DEVICE_TABLE_HEADER, parseDeviceFlags, runDeviceBench, sortRatios } from './device-bench';

Object.assign(globalThis, globals);
// Dawn rounds timestamps to 65.536 µs steps unless told not to (a browser's guard against
// timing attacks); a search at 1M rows takes 0.3–3 ms, so the steps would be 2–20 % of it.
const dawnFlags = ['disable-dawn-features=timestamp_quantization'];
Object.defineProperty(globalThis, 'navigator', {
  value: { gpu: create(dawnFlags) },
  configurable: true,
});

const options = parseDeviceFlags(process.argv.slice(2));
const { gpu, reason } = await requestGpu();
if (!gpu) {
  console.log(JSON.stringify({ error: reason }));
  process.exit(1);
}
console.log(
  `adapter ${[gpu.info.vendor, gpu.info.architecture, gpu.info.description].join(' | ')}; features ${gpu.info.features.join(',')}`,
);
console.log(
  `${options.n} × ${options.dim}, k ${options.k}, ${options.reps} reps after ${options.warmupMs} ms of warm-up each`,
);
console.log(DEVICE_TABLE_HEADER);
const result = await runDeviceBench(gpu, options, (line) => console.log(line));
const ratios = sortRatios(result.rows);
for (const r of ratios) {
  console.log(
    `subgroup sort vs barrier-only, ${r.mode} batch ${r.batch}: ${r.speedup.toFixed(2)}x`,
  );
}
console.log(JSON.stringify({ options, ...result, sortRatios: ratios }));
process.exit(0); // Dawn keeps the event loop alive
