import { code } from './dicomValues.ts';

/** Segmentation Storage (PS3.4 Annex B). */
export const SEGMENTATION_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.66.4';
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

/** Pseudolab's classes are whatever the user names them; SNOMED "Tissue" is the honest generic category and type. */
export const GENERIC_CATEGORY = code('85756007', 'SCT', 'Tissue');
export const GENERIC_TYPE = code('85756007', 'SCT', 'Tissue');
/** The derivation and purpose codes PS3.3 C.8.20.2 asks of a segmentation frame's source reference (DCM, PS3.16). */
export const DERIVATION_SEGMENTATION = code('113076', 'DCM', 'Segmentation');
export const PURPOSE_SOURCE_IMAGE = code('121322', 'DCM', 'Source image for image processing operation');

/** Tags a dimension points at: a frame's segment, and its plane position. */
export const TAG_SEGMENT_IDENTIFICATION_SEQUENCE = '0062000A';
export const TAG_REFERENCED_SEGMENT_NUMBER = '0062000B';
export const TAG_PLANE_POSITION_SEQUENCE = '00209113';
export const TAG_IMAGE_POSITION_PATIENT = '00200032';
