import { axisStep, dot, invert, normalize, transformPoint, type Vec3, type VolumeGeometry, type VoxelAxis } from '../volume/geometry.ts';

/**
 * Which planes the three views show, and which voxel-grid slice each view is on. Pure maths over a volume's
 * ijkToLps; ViewerController feeds it cornerstone's cameras.
 *
 * A volume acquired obliquely has slices that are not perpendicular to any patient axis. A view in the patient axes
 * then cuts across several k-slices, and a brush stroke there lands in all of them. Views that follow the voxel
 * grid (as OHIF and 3D Slicer show an acquisition) keep every stroke in one slice.
 */

export type OrthoView = 'axial' | 'coronal' | 'sagittal';
export const ORTHO_VIEW_NAMES: readonly OrthoView[] = ['axial', 'coronal', 'sagittal'];

/** `grid`: planes of constant k, i and j; `patient`: planes perpendicular to the patient's axes. */
export type ViewFrame = 'grid' | 'patient';

/** A camera orientation as cornerstone3D takes it: the normal points from the plane toward the viewer. */
export interface ViewPlane {
  viewPlaneNormal: Vec3;
  viewUp: Vec3;
}

/**
 * The radiological conventions (cornerstone3D's MPR camera values): axial seen from the feet with anterior up,
 * coronal seen from the front, sagittal seen from the patient's left, both with superior up.
 */
export const PATIENT_PLANES: Readonly<Record<OrthoView, ViewPlane>> = {
  axial: { viewPlaneNormal: [0, 0, -1], viewUp: [0, -1, 0] },
  coronal: { viewPlaneNormal: [0, -1, 0], viewUp: [0, 0, 1] },
  sagittal: { viewPlaneNormal: [1, 0, 0], viewUp: [0, 0, 1] },
};

/** What one view slot shows in the grid frame. */
export interface GridView {
  /** The voxel axis held constant in this view. */
  axis: VoxelAxis;
  plane: ViewPlane;
  /** The patient plane this grid plane is closest to, for the view's title. */
  looksLike: OrthoView;
}

const scale = (v: Vec3, s: number): Vec3 => [v[0] * s, v[1] * s, v[2] * s];
const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];

/**
 * How voxel index `axis` changes per world millimetre: row `axis` of the inverse of ijkToLps. It is the normal of
 * the planes of constant index, also when the grid is sheared (then it differs from the axis step).
 */
export function indexGradient(g: VolumeGeometry, axis: VoxelAxis): Vec3 {
  const inv = invert(g.ijkToLps);
  return [inv[axis * 4]!, inv[axis * 4 + 1]!, inv[axis * 4 + 2]!];
}

/** The continuous voxel index along `axis` of a world point. */
export function indexAt(g: VolumeGeometry, axis: VoxelAxis, world: Vec3): number {
  return transformPoint(invert(g.ijkToLps), world)[axis];
}

/** The patient plane whose normal is most parallel to `normal` (either sign). */
export function nearestPatientView(normal: Vec3): OrthoView {
  const n = normalize(normal);
  let best: OrthoView = 'axial';
  let bestDot = -1;
  for (const v of ORTHO_VIEW_NAMES) {
    const d = Math.abs(dot(n, PATIENT_PLANES[v].viewPlaneNormal));
    if (d > bestDot + 1e-12) {
      bestDot = d;
      best = v;
    }
  }
  return best;
}

/**
 * The camera for the plane of constant `axis`. The normal's sign and the up vector follow the nearest patient
 * plane's convention, so a grid view looks like the patient view it replaces (anterior or superior up, no mirror),
 * also on a left-handed grid. Up is one of the two in-plane voxel axes, so voxel rows stay level on screen.
 */
export function planeOfConstantIndex(g: VolumeGeometry, axis: VoxelAxis): GridView {
  let n = normalize(indexGradient(g, axis));
  const looksLike = nearestPatientView(n);
  const ref = PATIENT_PLANES[looksLike];
  if (dot(n, ref.viewPlaneNormal) < 0) n = scale(n, -1);
  let viewUp: Vec3 = ref.viewUp;
  let bestDot = -Infinity;
  for (const other of [0, 1, 2] as const) {
    if (other === axis) continue;
    const step = normalize(axisStep(g.ijkToLps, other));
    for (const cand of [step, scale(step, -1)]) {
      const d = dot(cand, ref.viewUp);
      if (d > bestDot) {
        bestDot = d;
        viewUp = cand;
      }
    }
  }
  return { axis, plane: { viewPlaneNormal: n, viewUp }, looksLike };
}

/**
 * The grid frame's three views: the axial slot shows the acquisition plane (constant k, where labels and the
 * model's slices live); the coronal and sagittal slots get the planes of constant i and j, whichever pairing
 * matches their names better (for a sagittal series the coronal slot may show an axial-looking plane).
 */
export function gridViews(g: VolumeGeometry): Record<OrthoView, GridView> {
  const k = planeOfConstantIndex(g, 2);
  const i = planeOfConstantIndex(g, 0);
  const j = planeOfConstantIndex(g, 1);
  const fit = (v: GridView, slot: OrthoView): number => Math.abs(dot(v.plane.viewPlaneNormal, PATIENT_PLANES[slot].viewPlaneNormal));
  const iSagittal = fit(i, 'sagittal') + fit(j, 'coronal') >= fit(i, 'coronal') + fit(j, 'sagittal');
  return { axial: k, coronal: iSagittal ? j : i, sagittal: iSagittal ? i : j };
}

/** The camera orientation of each view slot in a frame. */
export function viewPlanes(g: VolumeGeometry, frame: ViewFrame): Record<OrthoView, ViewPlane> {
  if (frame === 'patient') return { ...PATIENT_PLANES };
  const views = gridViews(g);
  return { axial: views.axial.plane, coronal: views.coronal.plane, sagittal: views.sagittal.plane };
}

/** The voxel axis whose slices a view with this normal shows (or cuts across least). */
export function sliceAxisOf(g: VolumeGeometry, normal: Vec3): VoxelAxis {
  const n = normalize(normal);
  let best: VoxelAxis = 2;
  let bestCos = -1;
  for (const axis of [2, 0, 1] as const) {
    const c = Math.abs(dot(normalize(indexGradient(g, axis)), n));
    if (c > bestCos + 1e-12) {
      bestCos = c;
      best = axis;
    }
  }
  return best;
}

/** World positions of the eight corner voxel centres. */
function cornerPoints(g: VolumeGeometry): Vec3[] {
  const [ni, nj, nk] = g.dims;
  const out: Vec3[] = [];
  for (const i of [0, ni - 1]) for (const j of [0, nj - 1]) for (const k of [0, nk - 1]) out.push(transformPoint(g.ijkToLps, [i, j, k]));
  return out;
}

/**
 * How many slices along `axis` a plane with this normal crosses inside the volume: the spread of the index over
 * the volume's footprint on the plane. 0 for a grid plane; a 15° tilt over 220 mm of 6.5 mm slices is about 9.
 */
export function slicesCrossed(g: VolumeGeometry, normal: Vec3, axis: VoxelAxis): number {
  const n = normalize(normal);
  const grad = indexGradient(g, axis);
  const inPlane = sub(grad, scale(n, dot(grad, n)));
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of cornerPoints(g)) {
    const v = dot(inPlane, p);
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return hi - lo;
}

/**
 * A view is grid-aligned when its plane stays within a quarter slice of one voxel slice everywhere in the volume:
 * a stroke drawn there then writes exactly one slice. Rounding noise in DICOM direction cosines stays far below.
 */
export function isGridAligned(g: VolumeGeometry, normal: Vec3, toleranceSlices = 0.25): boolean {
  return slicesCrossed(g, normal, sliceAxisOf(g, normal)) <= toleranceSlices;
}

/** Which voxel slice a view shows: its axis, the 0-based index at the focal point, and whether it is exact. */
export interface ViewSlice {
  axis: VoxelAxis;
  index: number;
  count: number;
  /** The unrounded index at the focal point; equal to `index` when the view sits on a slice centre. */
  position: number;
  aligned: boolean;
}

export function viewSlice(g: VolumeGeometry, focalPoint: Vec3, normal: Vec3): ViewSlice {
  const axis = sliceAxisOf(g, normal);
  const count = g.dims[axis];
  const position = indexAt(g, axis, focalPoint);
  const index = Math.max(0, Math.min(count - 1, Math.round(position)));
  return { axis, index, count, position, aligned: isGridAligned(g, normal) };
}

/**
 * The distance (mm, along the unit normal) to move a view's focal point so that it lies on slice `index` of
 * `axis`. Moving along the normal keeps the in-plane position, so the picture does not jump sideways.
 */
export function shiftToSlice(g: VolumeGeometry, focalPoint: Vec3, normal: Vec3, axis: VoxelAxis, index: number): number {
  const n = normalize(normal);
  const rate = dot(indexGradient(g, axis), n);
  if (Math.abs(rate) < 1e-12) return 0;
  return (index - indexAt(g, axis, focalPoint)) / rate;
}

/** Off a slice centre by more than this many slices, a grid view is snapped back (crosshairs, resets). */
export const SNAP_TOLERANCE_SLICES = 1e-3;
