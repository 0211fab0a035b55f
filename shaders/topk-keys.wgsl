// Shared by scan-topk.wgsl, merge-topk.wgsl and quant-scan.wgsl (prepended to
// each, followed by one of the two sorts: topk-sort.wgsl or, where the device
// has the `subgroups` feature, topk-sort-subgroups.wgsl): a workgroup of WG
// invocations sorts CHUNK (score, slot) keys best first — score descending,
// ties by slot ascending — with a bitonic network. Empty keys are
// (NEG_INF, NONE) and sort last. Both sorts give the same order: the network
// compares and swaps the same positions, and the order is total.

const WG: u32 = 256u;
const CHUNK: u32 = 1024u;
const NONE: u32 = 0xffffffffu;
const NEG_INF: f32 = -0x1.fffffep+127f; // lowest finite f32: empty keys

var<workgroup> keyScore: array<f32, CHUNK>;
var<workgroup> keySlot: array<u32, CHUNK>;

fn better(sa: f32, ia: u32, sb: f32, ib: u32) -> bool {
  return sa > sb || (sa == sb && ia < ib);
}

// The stages (size, stride) for stride = first, first / 2, .. down to `last` of
// the network, in workgroup memory, one barrier before each. The pair with
// lower position i and i + stride ends best first where (i & size) == 0;
// `last` ≥ 1.
// Call from uniform control flow.
fn sharedStages(t: u32, size: u32, first: u32, last: u32) {
  for (var stride = first; stride >= last; stride = stride >> 1u) {
    workgroupBarrier();
    for (var h = t; h < CHUNK / 2u; h += WG) {
      let i = 2u * h - (h & (stride - 1u));
      let j = i + stride;
      let bestFirst = (i & size) == 0u;
      let si = keyScore[i];
      let ii = keySlot[i];
      let sj = keyScore[j];
      let ij = keySlot[j];
      if (better(sj, ij, si, ii) == bestFirst) {
        keyScore[i] = sj;
        keySlot[i] = ij;
        keyScore[j] = si;
        keySlot[j] = ii;
      }
    }
  }
}
