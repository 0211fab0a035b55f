// The sort of topk-keys.wgsl with subgroup operations (the module starts with
// `enable subgroups;`). Each invocation holds the KEYS keys at positions
// t * KEYS .. t * KEYS + KEYS - 1 in registers. A stage whose partner position
// is in the same invocation (stride < KEYS) swaps registers; one whose partner
// is in the same subgroup (stride < KEYS * span) takes the partner's key with
// subgroupShuffleXor; only the wider strides go through workgroup memory,
// between one store and one load of the registers. For 1024 keys that is 21
// of the 55 stages at subgroup size 4 (31 barriers a call, against 56 for
// topk-sort.wgsl), 6 at 32 (13 barriers), 3 at 64 (9), 1 at 128 (6).
//
// Any subgroup size is handled: `span`, the smallest subgroup size of the
// workgroup, is used only when every subgroup is a whole, aligned block of
// local_invocation_index (t = block start + subgroup_invocation_id, sizes
// powers of two): WGSL does not promise that mapping, so it is checked on
// every call, and where it fails span is 1 (shuffles are skipped, every stage
// of stride ≥ KEYS goes through workgroup memory). SPAN_CAP lowers span
// further (tests run the split points of smaller subgroups with it).

override SPAN_CAP: u32 = 128u;

const KEYS: u32 = CHUNK / WG;  // keys per invocation

// The invocation ids the kernels pass to sortChunk.
struct Invocation {
  @builtin(local_invocation_index) t: u32,
  @builtin(subgroup_invocation_id) lane: u32,
  @builtin(subgroup_size) size: u32,
}

var<workgroup> sgSizes: atomic<u32>;  // OR of the subgroup sizes; bit 31: a subgroup is not an aligned block
var<workgroup> sgSpan: u32;

// The workgroup-uniform span (see above). Call from uniform control flow.
fn shuffleSpan(ids: Invocation) -> u32 {
  let size = ids.size;
  // Called unconditionally (subgroup operations need uniform control flow).
  let lo = subgroupMin(ids.t);
  let hi = subgroupMax(ids.t);
  let members = subgroupAdd(1u);
  let block = size != 0u && (size & (size - 1u)) == 0u && ids.lane < size &&
              ids.t % size == ids.lane && members == size && lo == ids.t - ids.lane &&
              hi == lo + size - 1u;
  atomicOr(&sgSizes, select(0x80000000u, size, block));
  workgroupBarrier();
  if (ids.t == 0u) {
    let v = atomicLoad(&sgSizes);
    var span = 1u;
    if ((v & 0x80000000u) == 0u && v != 0u) {
      span = min(v & (~v + 1u), SPAN_CAP);  // the lowest bit set: the smallest size
    }
    sgSpan = max(span, 1u);
  }
  return workgroupUniformLoad(&sgSpan);
}

// Sorts keyScore/keySlot best first. Call from uniform control flow.
fn sortChunk(ids: Invocation) {
  workgroupBarrier();  // the caller's keys are written
  let span = shuffleSpan(ids);
  let t = ids.t;
  let own = t * KEYS;
  var s: array<f32, KEYS>;
  var id: array<u32, KEYS>;
  for (var r = 0u; r < KEYS; r++) {
    s[r] = keyScore[own + r];
    id[r] = keySlot[own + r];
  }
  let inGroup = KEYS * span;  // strides below this stay in the subgroup
  for (var size = 2u; size <= CHUNK; size = size << 1u) {
    var stride = size >> 1u;
    if (stride >= inGroup) {
      for (var r = 0u; r < KEYS; r++) {
        keyScore[own + r] = s[r];
        keySlot[own + r] = id[r];
      }
      sharedStages(t, size, stride, inGroup);
      workgroupBarrier();
      for (var r = 0u; r < KEYS; r++) {
        s[r] = keyScore[own + r];
        id[r] = keySlot[own + r];
      }
      stride = inGroup >> 1u;
    }
    for (; stride >= KEYS; stride = stride >> 1u) {
      // Partner position (t ^ m) * KEYS + r: lane ^ m of this subgroup.
      let m = stride / KEYS;
      let lower = (t & m) == 0u;
      for (var r = 0u; r < KEYS; r++) {
        let ps = subgroupShuffleXor(s[r], m);
        let pid = subgroupShuffleXor(id[r], m);
        let bestFirst = ((own + r) & size) == 0u;
        // Both invocations of the pair compute the same test: is the key at
        // the upper position better than the one at the lower?
        let upperBetter = select(better(s[r], id[r], ps, pid), better(ps, pid, s[r], id[r]), lower);
        if (upperBetter == bestFirst) {
          s[r] = ps;
          id[r] = pid;
        }
      }
    }
    for (; stride > 0u; stride = stride >> 1u) {
      for (var r = 0u; r < KEYS; r++) {
        let j = r ^ stride;
        if (j > r) {
          let bestFirst = ((own + r) & size) == 0u;
          if (better(s[j], id[j], s[r], id[r]) == bestFirst) {
            let ts = s[r];
            let ti = id[r];
            s[r] = s[j];
            id[r] = id[j];
            s[j] = ts;
            id[j] = ti;
          }
        }
      }
    }
  }
  for (var r = 0u; r < KEYS; r++) {
    keyScore[own + r] = s[r];
    keySlot[own + r] = id[r];
  }
  workgroupBarrier();
}
