import { cache, utilities, volumeLoader, type Types } from '@cornerstonejs/core';
import { Enums as ToolEnums, segmentation } from '@cornerstonejs/tools';
import type { LabelMap } from '../volume/labels.ts';
import type { Volume, VoxelData } from '../volume/Volume.ts';
import { forgetImageMetadata, setImageMetadata } from './metadataProvider.ts';
import { slicePlanes, type SlicePlane } from './slicePlanes.ts';

/** What cornerstone knows of one of our volumes while it is on screen. */
export interface RegisteredVolume {
  volumeId: string;
  imageIds: string[];
  labelImageIds: string[];
  /** Set for 3D volumes (shown in three orthographic viewports); 2D images use a stack viewport. */
  csVolumeId: string | null;
  segmentationId: string;
}

const SCHEME = 'pseudolab';

function sliceOf<T extends VoxelData>(data: T, k: number, sliceLength: number): T {
  return data.subarray(k * sliceLength, (k + 1) * sliceLength) as T;
}

function minMax(data: VoxelData): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let n = 0; n < data.length; n++) {
    const v = data[n] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return data.length ? [lo, hi] : [0, 0];
}

function dataTypeName(data: VoxelData): Types.PixelDataTypedArrayString {
  return data.constructor.name as Types.PixelDataTypedArrayString;
}

/**
 * One in-memory cornerstone image over a slice of our buffer. No copy is made: for labels this is the point,
 * since cornerstone's brushes then write into our LabelMap directly.
 */
function putLocalImage(
  imageId: string,
  data: VoxelData,
  plane: SlicePlane,
  dims: [number, number],
  components: 1 | 3,
  referencedImageId: string | undefined,
  window: [number, number],
): void {
  const [columns, rows] = dims;
  const voxelManager = utilities.VoxelManager.createImageVoxelManager({
    width: columns,
    height: rows,
    scalarData: data,
    numberOfComponents: components,
    id: imageId,
  });
  const [lo, hi] = minMax(data);
  const image = {
    imageId,
    referencedImageId,
    minPixelValue: lo,
    maxPixelValue: hi,
    slope: 1,
    intercept: 0,
    windowCenter: (window[0] + window[1]) / 2,
    windowWidth: Math.max(1e-6, window[1] - window[0]),
    voiLUTFunction: 'LINEAR',
    getPixelData: () => data,
    getCanvas: undefined,
    rows,
    columns,
    height: rows,
    width: columns,
    color: components === 3,
    rgba: false,
    numberOfComponents: components,
    columnPixelSpacing: plane.pixelSpacing[1],
    rowPixelSpacing: plane.pixelSpacing[0],
    sliceThickness: plane.sliceThickness,
    invert: false,
    photometricInterpretation: components === 3 ? 'RGB' : 'MONOCHROME2',
    sizeInBytes: data.byteLength,
    dataType: dataTypeName(data),
    voxelManager,
  } as unknown as Types.IImage;
  cache.putImageSync(imageId, image);
}

function moduleSet(
  plane: SlicePlane,
  dims: [number, number],
  data: VoxelData,
  components: 1 | 3,
  series: { uid: string; modality: string },
  frameOfReferenceUID: string,
  window: [number, number],
  instanceNumber: number,
): Record<string, unknown> {
  const bits = data instanceof Uint8Array ? 8 : data instanceof Float32Array ? 32 : 16;
  return {
    generalSeriesModule: { modality: series.modality, seriesInstanceUID: series.uid },
    generalImageModule: { instanceNumber },
    imagePixelModule: {
      samplesPerPixel: components,
      photometricInterpretation: components === 3 ? 'RGB' : 'MONOCHROME2',
      rows: dims[1],
      columns: dims[0],
      bitsAllocated: bits,
      bitsStored: bits,
      highBit: bits - 1,
      pixelRepresentation: data instanceof Int16Array || data instanceof Float32Array ? 1 : 0,
      planarConfiguration: 0,
    },
    imagePlaneModule: {
      frameOfReferenceUID,
      rows: dims[1],
      columns: dims[0],
      imageOrientationPatient: plane.imageOrientationPatient,
      rowCosines: plane.imageOrientationPatient.slice(0, 3),
      columnCosines: plane.imageOrientationPatient.slice(3, 6),
      imagePositionPatient: plane.imagePositionPatient,
      pixelSpacing: plane.pixelSpacing,
      rowPixelSpacing: plane.pixelSpacing[0],
      columnPixelSpacing: plane.pixelSpacing[1],
      sliceThickness: plane.sliceThickness,
      sliceLocation: plane.imagePositionPatient[2],
    },
    voiLutModule: { windowCenter: (window[0] + window[1]) / 2, windowWidth: Math.max(1e-6, window[1] - window[0]) },
    modalityLutModule: { rescaleSlope: 1, rescaleIntercept: 0 },
  };
}

export function registerVolume(volume: Volume, labels: LabelMap, window: [number, number]): RegisteredVolume {
  const { dims } = volume.geometry;
  const planes = slicePlanes(volume.geometry);
  const sliceLength = dims[0] * dims[1];
  const frameOfReferenceUID =
    volume.source.format === 'dicom' && volume.source.frameOfReferenceUID ? volume.source.frameOfReferenceUID : `pseudolab-for-${volume.id}`;
  const imageIds: string[] = [];
  const labelImageIds: string[] = [];
  for (let k = 0; k < dims[2]; k++) {
    const plane = planes[k]!;
    const imageId = `${SCHEME}:${volume.id}:image:${k}`;
    const labelId = `${SCHEME}:${volume.id}:labels:${k}`;
    const data = sliceOf(volume.voxels, k, sliceLength * volume.channels);
    const labelData = sliceOf(labels.voxels, k, sliceLength);
    setImageMetadata(
      imageId,
      moduleSet(plane, [dims[0], dims[1]], data, volume.channels, { uid: `${volume.id}-image`, modality: 'OT' }, frameOfReferenceUID, window, k + 1),
    );
    setImageMetadata(
      labelId,
      moduleSet(plane, [dims[0], dims[1]], labelData, 1, { uid: `${volume.id}-labels`, modality: 'SEG' }, frameOfReferenceUID, [0, 255], k + 1),
    );
    putLocalImage(imageId, data, plane, [dims[0], dims[1]], volume.channels, undefined, window);
    putLocalImage(labelId, labelData, plane, [dims[0], dims[1]], 1, imageId, [0, 255]);
    imageIds.push(imageId);
    labelImageIds.push(labelId);
  }
  let csVolumeId: string | null = null;
  if (dims[2] > 1) {
    csVolumeId = `${SCHEME}Volume:${volume.id}`;
    volumeLoader.createAndCacheVolumeFromImagesSync(csVolumeId, imageIds);
  }
  const segmentationId = `${SCHEME}-seg-${volume.id}`;
  segmentation.addSegmentations([
    {
      segmentationId,
      representation: {
        type: ToolEnums.SegmentationRepresentations.Labelmap,
        data: { imageIds: labelImageIds },
      },
    },
  ]);
  return { volumeId: volume.id, imageIds, labelImageIds, csVolumeId, segmentationId };
}

/** A labelmap drawn over a registered volume from another buffer of ours: the model's pseudo-label or uncertainty. */
export interface RegisteredOverlay {
  kind: string;
  buffer: Uint8Array;
  imageIds: string[];
  segmentationId: string;
}

/** Registers `buffer` (one value per voxel) as a second labelmap of the volume, images viewing the buffer. */
export function registerOverlay(volume: Volume, reg: RegisteredVolume, buffer: Uint8Array, kind: string): RegisteredOverlay {
  const { dims } = volume.geometry;
  const planes = slicePlanes(volume.geometry);
  const sliceLength = dims[0] * dims[1];
  const frameOfReferenceUID =
    volume.source.format === 'dicom' && volume.source.frameOfReferenceUID ? volume.source.frameOfReferenceUID : `pseudolab-for-${volume.id}`;
  const imageIds: string[] = [];
  for (let k = 0; k < dims[2]; k++) {
    const id = `${SCHEME}:${volume.id}:${kind}:${k}`;
    const data = sliceOf(buffer, k, sliceLength);
    setImageMetadata(
      id,
      moduleSet(planes[k]!, [dims[0], dims[1]], data, 1, { uid: `${volume.id}-${kind}`, modality: 'SEG' }, frameOfReferenceUID, [0, 255], k + 1),
    );
    putLocalImage(id, data, planes[k]!, [dims[0], dims[1]], 1, reg.imageIds[k], [0, 255]);
    imageIds.push(id);
  }
  const segmentationId = `${SCHEME}-${kind}-${volume.id}`;
  segmentation.addSegmentations([{ segmentationId, representation: { type: ToolEnums.SegmentationRepresentations.Labelmap, data: { imageIds } } }]);
  return { kind, buffer, imageIds, segmentationId };
}

function release(segmentationId: string, imageIds: string[]): void {
  try {
    segmentation.removeSegmentation(segmentationId);
  } catch {
    // Already gone (e.g. after a viewport reset); nothing to free.
  }
  for (const id of imageIds) {
    if (cache.getImageLoadObject(id) || cache.getImage(id)) cache.removeImageLoadObject(id, { force: true });
  }
  forgetImageMetadata(imageIds);
}

export function unregisterOverlay(o: RegisteredOverlay): void {
  release(o.segmentationId, o.imageIds);
}

/** Frees cornerstone's references; our buffers stay untouched in the store. */
export function unregisterVolume(r: RegisteredVolume): void {
  release(r.segmentationId, r.labelImageIds);
  if (r.csVolumeId && cache.getVolume(r.csVolumeId)) cache.removeVolumeLoadObject(r.csVolumeId);
  for (const id of r.imageIds) {
    if (cache.getImageLoadObject(id) || cache.getImage(id)) cache.removeImageLoadObject(id, { force: true });
  }
  forgetImageMetadata(r.imageIds);
}
