// The sort of topk-keys.wgsl without subgroup operations: every stage of the
// network in workgroup memory (55 stages for 1024 keys, a barrier each).

// The invocation ids the kernels pass to sortChunk.
struct Invocation {
  @builtin(local_invocation_index) t: u32,
}

// Sorts keyScore/keySlot best first. Call from uniform control flow.
fn sortChunk(ids: Invocation) {
  for (var size = 2u; size <= CHUNK; size = size << 1u) {
    sharedStages(ids.t, size, size >> 1u, 1u);
  }
  workgroupBarrier();
}
