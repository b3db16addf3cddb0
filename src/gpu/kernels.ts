import { conv2dBackpropFilterKernel } from './conv2dBackpropFilter.ts';
import { conv3dKernel } from './conv3d.ts';
import { conv3dBackpropFilterKernel } from './conv3dBackpropFilter.ts';
import { conv3dBackpropInputKernel } from './conv3dBackpropInput.ts';
import type { CustomKernel } from './customKernels.ts';
import { meanKernel, sumKernel } from './reduceAxes.ts';

/**
 * Every tfjs kernel we replace on the webgpu backend (one kernel file each; Sum and Mean share reduceAxes.ts). The fused training-loop kernels
 * (EMA, CE + Dice, text merge, label maps) are not tfjs kernels and are called by the engine directly.
 */
export const CUSTOM_KERNELS: readonly CustomKernel[] = [
  conv3dKernel,
  conv3dBackpropInputKernel,
  conv3dBackpropFilterKernel,
  conv2dBackpropFilterKernel,
  sumKernel,
  meanKernel,
];
