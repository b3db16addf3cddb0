"""Checks an nnU-Net v2 raw dataset folder the way nnU-Net's dataset-integrity check does, with nibabel.

Written for Pseudolab's tests (src/io/nnunet/nnunetExport.node.test.ts); it re-reads the export with a reader
that shares no code with ours. The rules are those nnU-Net v2 applies before planning
(`nnUNetv2_plan_and_preprocess --verify_dataset_integrity`):
  dataset.json has channel_names, labels, numTraining and file_ending; labels are consecutive from background 0,
  with "ignore" the highest; numTraining equals the number of label files; every case has every channel and no
  image lacks its label; each channel has the label's shape, spacing, direction and origin; label values are
  among the labels; images hold no NaN; every file has the dataset's file ending.
Prints one line per problem and exits 1 when there is any; prints "ok <cases>" otherwise.
"""
import json
import os
import sys

import nibabel as nib
import numpy as np


def geometry(img):
    """Shape, spacing, direction and origin as nnU-Net compares them (SimpleITK's spacing/direction/origin)."""
    affine = img.affine
    spacing = np.linalg.norm(affine[:3, :3], axis=0)
    direction = affine[:3, :3] / spacing
    return img.shape, spacing, direction, affine[:3, 3]


def check(folder):
    problems = []
    with open(os.path.join(folder, "dataset.json")) as f:
        ds = json.load(f)
    for key in ("channel_names", "labels", "numTraining", "file_ending"):
        if key not in ds:
            problems.append(f"dataset.json lacks {key}")
    if problems:
        return problems, 0
    ending = ds["file_ending"]
    labels = ds["labels"]
    values = sorted(int(v) for v in labels.values())
    if labels.get("background") != 0:
        problems.append("labels: background must be 0")
    if values != list(range(len(values))):
        problems.append(f"labels must be consecutive from 0, got {values}")
    if "ignore" in labels and int(labels["ignore"]) != max(values):
        problems.append(f"ignore label {labels['ignore']} is not the highest ({max(values)})")
    channels = sorted(int(c) for c in ds["channel_names"])
    if channels != list(range(len(channels))):
        problems.append(f"channel_names must be 0..n-1, got {channels}")

    label_dir = os.path.join(folder, "labelsTr")
    image_dir = os.path.join(folder, "imagesTr")
    label_files = sorted(os.listdir(label_dir))
    for f in label_files + sorted(os.listdir(image_dir)):
        if not f.endswith(ending):
            problems.append(f"{f}: does not end in {ending}")
    cases = [f[: -len(ending)] for f in label_files if f.endswith(ending)]
    if len(cases) != ds["numTraining"]:
        problems.append(f"numTraining is {ds['numTraining']} but labelsTr holds {len(cases)} cases")
    expected_images = {f"{c}_{ch:04d}{ending}" for c in cases for ch in channels}
    present = set(os.listdir(image_dir))
    for missing in sorted(expected_images - present):
        problems.append(f"imagesTr lacks {missing}")
    for extra in sorted(present - expected_images):
        problems.append(f"imagesTr/{extra} has no label file or is an unknown channel")

    allowed = set(values)
    for case in cases:
        seg = nib.load(os.path.join(label_dir, case + ending))
        seg_geometry = geometry(seg)
        found = set(np.unique(np.asanyarray(seg.dataobj)).astype(int).tolist())
        if not found <= allowed:
            problems.append(f"{case}: label values {sorted(found - allowed)} are not in dataset.json")
        for ch in channels:
            path = os.path.join(image_dir, f"{case}_{ch:04d}{ending}")
            if not os.path.exists(path):
                continue
            img = nib.load(path)
            shape, spacing, direction, origin = geometry(img)
            if shape != seg_geometry[0]:
                problems.append(f"{case} channel {ch}: shape {shape} differs from the label's {seg_geometry[0]}")
                continue
            if not np.allclose(spacing, seg_geometry[1]):
                problems.append(f"{case} channel {ch}: spacing {spacing} differs from the label's {seg_geometry[1]}")
            if not np.allclose(direction, seg_geometry[2]):
                problems.append(f"{case} channel {ch}: direction differs from the label's")
            if not np.allclose(origin, seg_geometry[3]):
                problems.append(f"{case} channel {ch}: origin {origin} differs from the label's {seg_geometry[3]}")
            if np.isnan(np.asanyarray(img.dataobj)).any():
                problems.append(f"{case} channel {ch}: image holds NaN")
    return problems, len(cases)


def main():
    problems, cases = check(sys.argv[1])
    for p in problems:
        print(p)
    if problems:
        sys.exit(1)
    print(f"ok {cases}")


if __name__ == "__main__":
    main()
