// Shared by scan-topk.wgsl and merge-topk.wgsl (prepended to each): a
// workgroup of WG invocations sorts CHUNK (score, slot) keys best first —
// score descending, ties by slot ascending — with a bitonic network in
// workgroup memory. Empty keys are (NEG_INF, NONE) and sort last.

const WG: u32 = 256u;
const CHUNK: u32 = 1024u;
const NONE: u32 = 0xffffffffu;
const NEG_INF: f32 = -0x1.fffffep+127f; // lowest finite f32: empty keys

var<workgroup> keyScore: array<f32, CHUNK>;
var<workgroup> keySlot: array<u32, CHUNK>;

fn better(sa: f32, ia: u32, sb: f32, ib: u32) -> bool {
  return sa > sb || (sa == sb && ia < ib);
}

// Sorts keyScore/keySlot best first. Call from uniform control flow.
fn sortChunk(t: u32) {
  for (var size = 2u; size <= CHUNK; size = size << 1u) {
    for (var stride = size >> 1u; stride > 0u; stride = stride >> 1u) {
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
  workgroupBarrier();
}
