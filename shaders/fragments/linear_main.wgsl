// The entry point of the kernels that give each invocation one index of a flat range: ema_update, reduce_rows,
// split_k_reduce, logits_to_labels and logits_to_live_layer. The including shader defines `fn perIndex(i: u32)`,
// which does nothing for an i past its range (the last workgroup is partly empty).
//
// WG invocations per workgroup. A dispatch is limited to 65 535 workgroups per dimension, so the host folds the
// count into x·y (dispatch.ts gridFor) and the linear workgroup index is wid.x + wid.y·nwg.x. Neighbouring
// invocations get neighbouring indices, which keeps a kernel that reads element i coalesced.

override WG: u32 = 256;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  perIndex((wid.x + wid.y * nwg.x) * WG + lid);
}
