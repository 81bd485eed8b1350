// Package onnx exports neuron models to ONNX files and imports ONNX models
// into neuron, for serving a neuron model on ONNX Runtime, Triton or any
// other ONNX runtime, and for running or fine-tuning a model trained
// elsewhere.
//
// The protobuf types are generated from ONNX's onnx.proto
// (google.golang.org/protobuf) and stay internal: the API is in neuron's
// terms.
//
// # Export
//
// Export writes opset 17 (see Opset) with a dynamic batch axis; the graph
// takes the model's inputs in neuron's channels-last layout and keeps the
// layers' names. Each layer becomes:
//
//   - Dense: Gemm on a matrix, MatMul and Add on a sequence, then its
//     activation.
//   - Conv1D, Conv2D (groups, dilations), DepthwiseConv2D,
//     SeparableConv2D (two Convs), Conv2DTranspose: Conv or ConvTranspose
//     with the kernel in ONNX's (out, in, kh, kw) order and "same" as
//     TensorFlow pads (the odd row or column at the end), "causal" as a
//     left pad; between Transposes to and from channels-first, one at
//     each end of a run of such layers.
//   - MaxPooling1D/2D, AveragePooling1D/2D: MaxPool, AveragePool;
//     GlobalAverage/MaxPooling1D/2D: ReduceMean, ReduceMax.
//   - BatchNormalization: its inference form; LayerNormalization:
//     opset 17's LayerNormalization.
//   - Activation, ReLU (negative_slope, max_value, threshold), LeakyReLU,
//     ELU, PReLU, Softmax and the activations relu, sigmoid, tanh,
//     softmax, log_softmax, elu, selu, softplus, softsign, leaky_relu,
//     relu6, hard_sigmoid, hard_silu, exponential, silu (Sigmoid and Mul),
//     gelu (0.5·x·(1+Erf(x/√2))), mish (Softplus, Tanh, Mul) and linear.
//   - Flatten, Reshape, Permute: Flatten, Reshape (batch axis kept by a 0),
//     Transpose.
//   - Embedding: Cast to int64 and Gather; with mask_zero=True, the mask
//     (the index is not 0) goes with the output through Activation and
//     the layers left out, into LSTM, GRU, SimpleRNN and Bidirectional,
//     whose node then takes it as sequence_lens (see below).
//   - Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate: Add,
//     Sub, Mul, Add then Div, Max, Min, Concat.
//   - LSTM, GRU, SimpleRNN: ONNX's LSTM, GRU (linear_before_reset=1,
//     Keras's reset_after=True, or 0 for reset_after=False) and RNN, Keras's gate order i, f, c, o
//     reordered to ONNX's i, o, f, c, between Transposes to and from
//     time-major; go_backwards as direction "reverse" (its sequence
//     reversed back by a Slice, as Keras returns it); the activations
//     tanh, sigmoid, relu, linear (Affine 1, 0) and hard_sigmoid
//     (HardSigmoid 1/6, 0.5).
//     With return_state=True the node's Y_h (and Y_c for LSTM) are the
//     state outputs, after the output as Keras orders them; a
//     Bidirectional's are each direction's, taken by a Gather on the
//     directions axis, the forward then the backward ones. On a masked
//     sequence they are the states after each example's valid steps, as
//     Keras's.
//   - Bidirectional of one of them: direction "bidirectional"; merge_mode
//     concat as a Reshape, sum, mul and ave as ReduceSum, ReduceProd and
//     ReduceMean over the directions axis.
//   - A masked sequence into a recurrent layer: ONNX's sequence_lens
//     takes each example's valid steps to come first, while Keras skips
//     the masked steps wherever they are, and pad_sequences pads at the
//     front by default. The export handles every pattern: the steps are
//     gathered so that each example's valid steps come first, in order
//     (TopK on (1−mask)·steps + step, GatherElements), the node runs
//     with sequence_lens the count of valid steps, and the sequences it
//     returns are gathered back to Keras's steps (CumSum of the mask):
//     a masked step gives the state the layer keeps there (zeros before
//     the first valid step; a Bidirectional gives zeros), and an example
//     with no valid step gives zero states.
//   - MultiHeadAttention (with key, attention_mask, use_causal_mask,
//     return_attention_scores, output_shape, use_bias=False), Attention
//     (score_mode dot or concat, use_scale, use_causal_mask,
//     return_attention_scores) and AdditiveAttention: written out in
//     MatMul, Add, Mul, Reshape, Transpose, Unsqueeze, Tanh, ReduceSum,
//     Softmax and, for masks, Greater, And and Where. MultiHeadAttention's
//     excluded scores are set to −1e9 and their probabilities to 0 (a
//     query step with no key to attend gets zeros), Attention's get 1e9
//     subtracted, as neuron (and Keras) compute them; the attention mask
//     is a float input, a key attended where it is above 0.5.
//   - Dropout, SpatialDropout1D/2D, GaussianNoise, GaussianDropout,
//     ActivityRegularization and the Random* augmentation layers: left
//     out (they are the identity at inference); Input, Identity: nothing.
//   - A nested model: its layers, named "outer/inner".
//
// Export refuses, with an error wrapping ErrUnsupportedLayer that names
// the layer, its class and the setting: any other layer ("no ONNX form"),
// an activation not listed ("activation \"x\" has no ONNX form"), a
// mask that reaches a layer other than those above ("the mask of an
// Embedding with mask_zero=True reaches it"), mask_zero=True on indices
// that are not (batch, steps), recurrent layers with stateful=True,
// initial states given as inputs, or recurrent activations not listed,
// and a Bidirectional
// with merge_mode="none", whose two sides differ (class, units,
// activations, use_bias) or whose forward side has go_backwards=True. A
// model that is not built is an error too.
//
// # Import
//
// Import reads a model made of the operators that map to neuron's layers
// into a functional model, keeping the file's layout (an NCHW model takes
// NCHW inputs; Permutes move the channels last around neuron's
// channels-last convolutions):
//
//   - Gemm (transB either way), MatMul with a constant matrix and the Add
//     of a bias after it: Dense.
//   - Conv (1D and 2D, grouped and depthwise, pads equal to no padding or
//     TensorFlow's same, auto_pad), ConvTranspose (2D): Conv1D, Conv2D,
//     DepthwiseConv2D, Conv2DTranspose, with a ZeroPadding layer where the
//     pads are neither.
//   - MaxPool, AveragePool (1D and 2D, no padding or TensorFlow's same
//     without counting the pads; ceil_mode=1 where it equals one of them
//     and has no pads), GlobalAveragePool, GlobalMaxPool, ReduceMean and
//     ReduceMax over the spatial axes; a Pad of zero pads before them.
//   - BatchNormalization (inference), LayerNormalization (its Y only).
//   - Relu, LeakyRelu, PRelu, Elu, Selu (SELU's constants), Sigmoid,
//     HardSigmoid (alpha 1/6, beta 0.5, Keras 3's), HardSwish, Tanh,
//     Softplus, Softsign, Exp, Clip (min 0, a positive max: a ReLU),
//     Softmax and LogSoftmax, Gelu with approximate="none" and GELU
//     written out as its Erf formula (x·0.5·(1+Erf(x/√2)), as PyTorch's
//     exporter and ONNX's Gelu function expansion write it).
//   - Flatten (axis 1), Reshape and Transpose that keep the batch axis,
//     Squeeze, Unsqueeze, Concat, Add, Sub, Mul, Div (by a constant
//     scalar), Max, Min, Sum, Mean, Gather of a constant 2D table
//     (Embedding), Dropout, Identity and Cast.
//   - LSTM, GRU and RNN, one direction or both, batch-major (layout=1)
//     or time-major between the Transposes, Squeezes and Reshapes
//     exporters put around them (PyTorch's and neuron's), from zero
//     initial states (absent, zero constants or ConstantOfShape of the
//     batch size): LSTM, GRU (linear_before_reset=1 as Keras's
//     reset_after=True, 0 as reset_after=False, its biases Wb + Rb in
//     one), SimpleRNN and Bidirectional. Y is read as return_sequences
//     (of a reverse direction, put back at its steps by Cropping1D and
//     Concatenate layers after the go_backwards layer), Y_h as the last
//     state, and Y with Y_h, or Y_c, of one direction as return_state
//     (the layer's outputs: the output, h, c); a bidirectional node's two
//     directions taken apart (Split, Slice, Gather, or a Slice of the
//     features) and merged by Add, Sum, Mul, Mean or an Add halved, or
//     reduced by ReduceSum, ReduceProd or ReduceMean over the directions
//     axis of Y or Y_h (as they are, or made batch-major), are
//     Bidirectional's merge modes sum, mul and ave. Y with Y_h, or Y_c,
//     of a bidirectional node is a Bidirectional with return_state: its
//     merge mode is the one Y is read with, and Y_h and Y_c are its
//     forward and backward states (a direction taken by Gather, Slice or
//     Split, read whole, or reduced over the directions by a layer of
//     its own).
//   - sequence_lens as neuron's export writes Embedding(mask_zero=True)
//     before a recurrent layer (the count of indices that are not 0, the
//     steps gathered so that the valid ones come first, and Y gathered
//     back to Keras's steps): the Gather is an Embedding with
//     mask_zero=True and the recurrent layer skips the masked steps by
//     itself, so that those nodes are not read. A recurrent node whose
//     input is made from the Embedding's output by other than
//     activations, Identity, Dropout and masked recurrent sequences, or a
//     value of the pattern read by another node, is refused.
//   - Constant nodes and operators on constants only (Reshape, Transpose,
//     Unsqueeze, Squeeze, Identity, Cast, CastLike, ConstantOfShape, Sqrt)
//     are evaluated while reading; Shape and the Gather, Unsqueeze,
//     Squeeze, Concat, Cast, Slice and ConstantOfShape after it are read
//     only as the zero initial state of a recurrent node.
//
// Import refuses, with an error wrapping ErrUnsupportedOp that names the
// node, the operator and the attribute or input with its value: any
// other operator ("no neuron layer for this operator") or domain; a
// recurrent node's sequence_lens other than that pattern (a graph input,
// a constant, lengths computed otherwise: "input 4, sequence_lens, is
// …"), non-zero initial states, peepholes, clip or input_forget; a
// reduction over another axis than the directions; Y of a reverse
// direction over an unknown number of steps; Gelu with
// approximate="tanh"; pooling with
// ceil_mode=1 and
// pads; a Reshape or Transpose that moves the batch axis; Flatten with
// an axis other than 1; HardSigmoid or Selu with other constants; and
// weights that are not constants. A file that breaks the format or the
// reader's bounds is an error wrapping ErrMalformed. Weights kept in
// external data files are read only from inside the model's directory.
//
// The importer is tested on ONNX's own backend node tests (testdata/
// onnx-backend: the operators above, with test_lstm_*, test_gru_* (all
// linear_before_reset=0),
// test_simple_rnn_*, test_gelu_* and the *_ceil pooling tests; those that
// use a refused setting are checked to give its error), on the
// pytorch-converted tests, on recurrent (return_state, directions
// reduced or merged), GELU and ceil_mode models that PyTorch exported
// (testdata/pytorch), on 6-step forward, reverse and bidirectional GRUs
// with linear_before_reset=0 whose outputs ONNX's reference
// implementation computed (testdata/gru_reset_before), on neuron's own exports read
// back, and on the ONNX
// model zoo's MNIST
// model; the reader is fuzzed (FuzzDecode).
package onnx
