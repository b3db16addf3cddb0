/**
 * CPU twin of shaders/ema_update.wgsl, the spec it is checked against: θ_t' = a·θ_t + (1 − a)·θ_s elementwise
 * (DuSSS eq 13), with a and 1 − a rounded to float32 as the kernel's uniforms (and tfjs's scalars) are, the sum
 * in float64, the result rounded once.
 */
export function emaUpdateReference(teacher: Float32Array, student: Float32Array, a: number): Float32Array {
  if (teacher.length !== student.length) throw new Error(`emaUpdateReference: ${teacher.length} teacher values, ${student.length} student values`);
  const af = Math.fround(a);
  const bf = Math.fround(1 - a);
  const out = new Float32Array(teacher.length);
  for (let i = 0; i < out.length; i++) out[i] = af * teacher[i]! + bf * student[i]!;
  return out;
}
