/**
 * Draws one phantom's anatomy from a random stream: where each structure sits, how big it is, how it bends.
 * Sizes are fractions of the body (and the body a fraction of the field of view), so a 32-voxel test volume
 * gets the same anatomy as the 96-voxel demo, only coarser. At the default 96 × 96 × 96 mm the phantom is an
 * upper abdomen at about a quarter of adult size: proportions are anatomical, millimetres are not.
 *
 * Each structure draws from its own fork, so changing one never moves the others.
 */
import type { Random } from '../data/random.ts';
import { normalize, type Vec3 } from '../volume/geometry.ts';
import { blobRadiusScale, NOISE_SD, tubeCentreAt, type BiasField, type Blob, type Body, type Phantom, type Tube } from './phantom.ts';

export function drawPhantom(rng: Random, dims: Vec3, spacing: Vec3): Phantom {
  const fov: Vec3 = [dims[0] * spacing[0], dims[1] * spacing[1], dims[2] * spacing[2]];
  const halfHeight = ((dims[2] - 1) * spacing[2]) / 2;
  const body = drawBody(rng.fork('body'), fov);
  const vertebra = drawVertebra(rng.fork('vertebra'), body);
  const vessel = drawVessel(rng.fork('vessel'), body, vertebra, fov);
  const liver = drawLiver(rng.fork('liver'), body, fov);
  const spleen = drawSpleen(rng.fork('spleen'), body, liver, fov);
  const lesion = drawLesion(rng.fork('lesion'), liver, vessel, halfHeight);
  const bias = drawBiasField(rng.fork('bias'));
  return { body, vertebra, spleen, liver, lesion, vessel, bias, noiseSd: NOISE_SD };
}

function randomDirection(rng: Random): Vec3 {
  return normalize([rng.normal(), rng.normal(), rng.normal()]);
}

/** Wider than deep, as a supine abdomen; centred within a few per cent of the field of view. */
function drawBody(rng: Random, fov: Vec3): Body {
  const radii: [number, number] = [fov[0] * rng.range(0.4, 0.44), fov[1] * rng.range(0.31, 0.35)];
  return {
    centre: [fov[0] * rng.range(-0.03, 0.03), fov[1] * rng.range(-0.03, 0.03)],
    radii,
    fatThickness: radii[0] * rng.range(0.05, 0.08),
    taper: rng.range(-0.04, 0.04),
  };
}

/** The vertebral body: a straight column in the posterior midline, an unlabeled landmark and distractor. */
function drawVertebra(rng: Random, body: Body): Tube {
  const ry = body.radii[1];
  return {
    centre: [body.centre[0], body.centre[1] + ry * rng.range(0.52, 0.58)],
    radius: ry * rng.range(0.15, 0.17),
    sway: { amplitude: [0, 0], period: 1, phase: [0, 0] },
    // A little lordosis: the column leans forward or back across the slab.
    drift: [0, ry * rng.range(-0.03, 0.03)],
  };
}

/**
 * Class 3, the inferior vena cava: a thin tube right of the midline, just in front of the spine, through every
 * slice. Its centre line sways a few millimetres and drifts, so it is curved rather than a straight rod and a
 * model must follow it from slice to slice.
 */
function drawVessel(rng: Random, body: Body, vertebra: Tube, fov: Vec3): Tube {
  const rx = body.radii[0];
  const radius = rx * rng.range(0.06, 0.08);
  // Far enough in front of the vertebra that sway and drift never make them touch.
  const gap = rx * rng.range(0.08, 0.11);
  return {
    centre: [body.centre[0] - rx * rng.range(0.1, 0.16), vertebra.centre[1] - vertebra.radius - radius - gap],
    radius,
    sway: {
      amplitude: [rx * rng.range(0.04, 0.07), rx * rng.range(0.012, 0.03)],
      period: fov[2] * rng.range(0.8, 1.3),
      phase: [rng.range(0, 2 * Math.PI), rng.range(0, 2 * Math.PI)],
    },
    drift: [rx * rng.range(-0.05, 0.05), -rx * rng.range(0, 0.035)],
  };
}

/**
 * Class 1, the liver: a large deformed ellipsoid in the right upper abdomen. The taper makes it a wedge, thick
 * laterally and at the dome and thinning toward the midline; three low-frequency waves make each one different.
 */
function drawLiver(rng: Random, body: Body, fov: Vec3): Blob {
  const [rx, ry] = body.radii;
  return {
    centre: [body.centre[0] - rx * rng.range(0.34, 0.4), body.centre[1] - ry * rng.range(0, 0.12), fov[2] * rng.range(-0.08, 0.08)],
    radii: [rx * rng.range(0.4, 0.46), ry * rng.range(0.46, 0.54), fov[2] * rng.range(0.27, 0.33)],
    taper: { direction: normalize([-1, 0.35, 0.25]), amount: rng.range(0.3, 0.4) },
    waves: Array.from({ length: 3 }, () => ({
      direction: randomDirection(rng),
      frequency: rng.range(1.2, 2.8),
      amplitude: rng.range(0.02, 0.045),
      phase: rng.range(0, 2 * Math.PI),
    })),
  };
}

/**
 * The spleen, unlabeled: smaller, left and posterior, a little brighter than the liver. It is the reason a
 * model cannot segment the liver by intensity alone and has to learn where the liver is.
 */
function drawSpleen(rng: Random, body: Body, liver: Blob, fov: Vec3): Blob {
  const [rx, ry] = body.radii;
  return {
    centre: [body.centre[0] + rx * rng.range(0.52, 0.6), body.centre[1] + ry * rng.range(0.15, 0.3), liver.centre[2] + fov[2] * rng.range(0.04, 0.12)],
    radii: [rx * rng.range(0.18, 0.22), ry * rng.range(0.34, 0.4), fov[2] * rng.range(0.16, 0.2)],
    // Fuller toward the back and side, as it curves along the ribs.
    taper: { direction: normalize([0.6, 0.8, 0]), amount: rng.range(0.1, 0.16) },
    waves: Array.from({ length: 2 }, () => ({
      direction: randomDirection(rng),
      frequency: rng.range(1.2, 2.5),
      amplitude: rng.range(0.02, 0.04),
      phase: rng.range(0, 2 * Math.PI),
    })),
  };
}

/**
 * Class 2, a liver lesion: a small, nearly round blob between the liver's centre and its edge (30–50 % of the
 * way out, mostly in-plane), kept away from the vena cava so the two never merge into one blob.
 */
function drawLesion(rng: Random, liver: Blob, vessel: Tube, halfHeight: number): Blob {
  const radius = Math.min(liver.radii[0], liver.radii[1]) * rng.range(0.3, 0.4);
  let centre: Vec3 = [...liver.centre];
  for (let attempt = 0; attempt < 12; attempt++) {
    const u = normalize([rng.normal(), rng.normal(), 0.5 * rng.normal()]);
    const out = rng.range(0.3, 0.5) * blobRadiusScale(liver, u[0], u[1], u[2]);
    centre = [liver.centre[0] + out * u[0] * liver.radii[0], liver.centre[1] + out * u[1] * liver.radii[1], liver.centre[2] + out * u[2] * liver.radii[2]];
    const [vx, vy] = tubeCentreAt(vessel, centre[2], halfHeight);
    if (Math.hypot(centre[0] - vx, centre[1] - vy) > radius + vessel.radius + 2 * vessel.sway.amplitude[0]) break;
  }
  return {
    centre,
    radii: [radius, radius, radius],
    taper: { direction: [1, 0, 0], amount: 0 },
    // A slight lobulation so it is round, not a perfect sphere.
    waves: [{ direction: randomDirection(rng), frequency: rng.range(2, 3), amplitude: rng.range(0.03, 0.06), phase: rng.range(0, 2 * Math.PI) }],
  };
}

/**
 * Receive-coil inhomogeneity of ±10–15 % across the field of view, in a random direction, plus a shallow bowl
 * (brighter near the coil elements at the body surface). Smooth, so it never looks like anatomy.
 */
function drawBiasField(rng: Random): BiasField {
  const direction = randomDirection(rng);
  const strength = rng.range(0.08, 0.15);
  return { gradient: [direction[0] * strength, direction[1] * strength, direction[2] * strength], bowl: rng.range(0.03, 0.06) };
}
