"""Writes the tiny ONNX segmentation models the ONNX import tests run (python3-onnx, Debian's package).

Each model is a 1x1 convolution from the image channels to K class scores: what it predicts at a voxel depends on
that voxel's intensity only, so the tests know the exact answer for any tiling, padding or batch, and a window put
in the wrong place (axes swapped, off by one) changes it.

usage: tiny_onnx.py OUT_DIR
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# Class scores s_c = W_c * x + B_c for one grey channel: class 0 below x = 0.5, class 1 from 0.5 to 1.5, class 2 above.
W = np.array([-4.0, 4.0, 8.0], dtype=np.float32)
B = np.array([2.0, 0.0, -6.0], dtype=np.float32)


def model(rank, softmax, name):
    spatial = ['D', 'H', 'W'][3 - rank:]
    w = W.reshape([3, 1] + [1] * rank)
    x = helper.make_tensor_value_info('image', TensorProto.FLOAT, ['N', 1] + spatial)
    y = helper.make_tensor_value_info('scores', TensorProto.FLOAT, ['N', 3] + spatial)
    nodes = [helper.make_node('Conv', ['image', 'W', 'B'], ['logits' if softmax else 'scores'])]
    if softmax:
        nodes.append(helper.make_node('Softmax', ['logits'], ['scores'], axis=1))
    graph = helper.make_graph(nodes, name, [x], [y], [numpy_helper.from_array(w, 'W'), numpy_helper.from_array(B, 'B')])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


out = sys.argv[1]
onnx.save(model(2, False, 'tiny2d'), f'{out}/tiny2d.onnx')
onnx.save(model(2, True, 'tiny2d_softmax'), f'{out}/tiny2d_softmax.onnx')
onnx.save(model(3, False, 'tiny3d'), f'{out}/tiny3d.onnx')
