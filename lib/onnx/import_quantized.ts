/**
 * The quantized model behind an imported ONNX graph whose weights are stored as codes: a
 * `DequantizeLinear` of integer codes (per tensor or per axis, with an optional pruning mask
 * `Mul` after it), or a `Cast` of float16 values, feeding the one `Gemm` or `MatMul`, with at
 * most a standardisation (`Sub` then `Div`) before it and only the bias after it. That is what
 * {@linkcode exportOnnx} writes for uniform and float16 models, and what ONNX quantization
 * tools write for a linear layer. Codebook and power-of-two models, whose weights the graph
 * looks up in a table, are read as float models.
 *
 * @module
 */

import { errorReason } from "../core/validate.ts";
import { thresholdOf } from "../model/decision_threshold.ts";
import { foldPreprocessing } from "../model/predict.ts";
import type { LogisticModel } from "../model/types.ts";
import type { Preprocessing } from "../data/preprocess.ts";
import { toFloat16Bits } from "../quant/float16.ts";
import { codeRange } from "../quant/grid.ts";
import { dequantizeModel } from "../quant/model.ts";
import {
  type Granularity,
  QUANTIZED_MODEL_VERSION,
  type QuantizedBias,
  type QuantizedModel,
  type QuantizedTensor,
  type UniformScheme,
} from "../quant/types.ts";
import { validateQuantizedModel } from "../quant/validate.ts";
import { attr, ONNX_TYPE, type OnnxNode } from "./protobuf.ts";

/** A constant of the graph. */
export interface GraphConstant {
  readonly dims: number[];
  readonly values: Float64Array | string[];
}

/** What the importer knows of the graph. */
export interface GraphView {
  /** The nodes of the affine chain from the input to the scores, in order. */
  readonly chain: readonly OnnxNode[];
  readonly constants: ReadonlyMap<string, GraphConstant>;
  /** Element type of each initializer and `Constant` output. */
  readonly types: ReadonlyMap<string, number>;
  readonly producer: ReadonlyMap<string, OnnxNode>;
  /** The `lrcompress.weights` metadata, when the file has it. */
  readonly storage: string | undefined;
}

/** Ops of the chain that copy their input. */
const COPIES = new Set(["Identity", "Flatten", "Reshape", "Cast"]);

const INTEGER_TYPES: Readonly<Record<number, { signed: boolean; bits: number }>> = {
  [ONNX_TYPE.INT8]: { signed: true, bits: 8 },
  [ONNX_TYPE.UINT8]: { signed: false, bits: 8 },
  [ONNX_TYPE.INT16]: { signed: true, bits: 16 },
  [ONNX_TYPE.UINT16]: { signed: false, bits: 16 },
};

/**
 * The quantized model of a graph, or why there is none (`null` without a reason: the weights
 * are plain float constants).
 *
 * @param view The graph.
 * @param model The float model the importer read from it (preprocessing folded).
 * @returns The model, or the reason it could not be kept quantized.
 */
export function quantizedFromGraph(
  view: GraphView,
  model: LogisticModel,
): { model: QuantizedModel } | { reason: string } | null {
  const { constants, types, producer } = view;
  const numbers = (name: string | undefined) => {
    const c = name === undefined || name === "" ? undefined : constants.get(name);
    return c && c.values instanceof Float64Array ? { dims: c.dims, values: c.values } : null;
  };
  const ops = view.chain.filter((n) => !COPIES.has(n.op_type));
  const at = ops.findIndex((n) => n.op_type === "Gemm" || n.op_type === "MatMul");
  if (at < 0) return null;
  const product = ops[at];
  // The weights: through an optional mask, a DequantizeLinear or a Cast of float16 values.
  let source = producer.get(product.input[1]);
  let maskName: string | undefined;
  if (source?.op_type === "Mul") {
    const [a, b] = source.input;
    const fromCodes = (t: string) => {
      const p = producer.get(t)?.op_type;
      return p === "DequantizeLinear" || p === "Cast";
    };
    if (fromCodes(a) && numbers(b)) [maskName, source] = [b, producer.get(a)];
    else if (fromCodes(b) && numbers(a)) [maskName, source] = [a, producer.get(b)];
  }
  if (source?.op_type === "Gather" || source?.op_type === "GatherElements") {
    return {
      reason: "its weights are looked up in a table (a codebook or power-of-two levels)",
    };
  }
  const isCodes = source?.op_type === "DequantizeLinear" ||
    (source?.op_type === "Cast" && types.get(source.input[0]) === ONNX_TYPE.FLOAT16);
  if (!source || !isCodes) return null;
  const keep = (reason: string) => ({ reason: `its weights are stored as codes, but ${reason}` });
  const after = ops.slice(at + 1);
  const gemmBias = product.op_type === "Gemm" && product.input[2] ? product.input[2] : undefined;
  if (after.length > (gemmBias ? 0 : 1) || after.some((n) => n.op_type !== "Add")) {
    return keep("the graph computes more than a bias after the weights");
  }
  const transposed = product.op_type === "Gemm" &&
    Number(attr(product, "transB")?.i ?? 0) !== 0;
  if (
    product.op_type === "Gemm" &&
    ((attr(product, "alpha")?.f ?? 1) !== 1 || (attr(product, "beta")?.f ?? 1) !== 1)
  ) {
    return keep("the Gemm scales them (alpha or beta is not 1)");
  }
  const rows = model.weights.rows, cols = model.weights.cols;

  // Preprocessing: nothing, or a standardisation (x - mean) / scale.
  let preprocessing: Preprocessing = { kind: "none" };
  const before = ops.slice(0, at);
  if (before.length > 0) {
    const [sub, div] = before;
    const mean = sub?.op_type === "Sub" ? numbers(sub.input[1]) : null;
    const scale = div?.op_type === "Div" ? numbers(div.input[1]) : null;
    if (before.length !== 2 || !mean || !scale) {
      return keep("the graph's steps before them are not a standardisation (Sub, then Div)");
    }
    const spread = (v: Float64Array) =>
      v.length === 1 ? new Float64Array(cols).fill(v[0]) : Float64Array.from(v);
    preprocessing = { kind: "standardize", mean: spread(mean.values), scale: spread(scale.values) };
  }

  // The bias: the Gemm's, or the constant of the Add after the product; a float constant or
  // int32 codes.
  const biasName = gemmBias ?? after[0]?.input.find((i) => constants.has(i));
  let bias: QuantizedBias;
  const biasSource = biasName ? producer.get(biasName) : undefined;
  if (biasSource?.op_type === "DequantizeLinear") {
    const v = numbers(biasSource.input[0]), s = numbers(biasSource.input[1]);
    const z = numbers(biasSource.input[2]);
    if (!v || !s) return keep("its bias is computed in a way this reader does not follow");
    const values = new Float64Array(rows);
    for (let c = 0; c < rows; c++) {
      const i = v.values.length === 1 ? 0 : c, g = s.values.length === 1 ? 0 : c;
      values[c] = (v.values[i] - (z ? z.values[g] : 0)) * s.values[g];
    }
    bias = { kind: "float64", values };
  } else {
    const b = biasName ? numbers(biasName) : null;
    if (biasName && !b) return keep("its bias is computed in a way this reader does not follow");
    const at = (c: number) => (b ? b.values[b.values.length === 1 ? 0 : c] : 0);
    // A float64 constant stays float64; the others are float32 values.
    bias = biasName && types.get(biasName) === ONNX_TYPE.DOUBLE
      ? { kind: "float64", values: Float64Array.from({ length: rows }, (_, c) => at(c)) }
      : { kind: "float32", values: Float32Array.from({ length: rows }, (_, c) => at(c)) };
  }

  const weights = source.op_type === "Cast"
    ? float16Tensor(numbers(source.input[0])!, rows, cols, transposed)
    : uniformTensor(source, view, rows, cols, transposed, numbers);
  if ("reason" in weights) return keep(weights.reason);
  let mask: Uint8Array | undefined;
  if (maskName !== undefined) {
    const m = layout(numbers(maskName)!, rows, cols, transposed);
    if (!m || m.some((v) => v !== 0 && v !== 1)) {
      return keep("they are multiplied by a constant that is not a 0/1 mask of their shape");
    }
    mask = Uint8Array.from(m);
  }
  const q: QuantizedModel = {
    kind: "quantized-logistic-regression",
    version: QUANTIZED_MODEL_VERSION,
    link: model.link,
    classes: model.classes,
    featureNames: model.featureNames,
    preprocessing,
    weights: weights.tensor,
    bias,
    ...(mask ? { mask } : {}),
    ...thresholdOf(model),
  };
  try {
    validateQuantizedModel(q, "import the quantized model");
  } catch (error) {
    return keep(errorReason(error));
  }
  // The reconstruction must compute what the graph does: its folded weights and bias are the
  // float model's (up to float64 rounding of the same products).
  const folded = foldPreprocessing(dequantizeModel(q));
  const w = model.weights.data;
  let peak = 0, worst = 0;
  for (let i = 0; i < w.length; i++) {
    peak = Math.max(peak, Math.abs(w[i]));
    worst = Math.max(worst, Math.abs(w[i] - folded.weights[i]));
  }
  for (let c = 0; c < rows; c++) {
    peak = Math.max(peak, Math.abs(model.bias[c]));
    worst = Math.max(worst, Math.abs(model.bias[c] - folded.bias[c]));
  }
  if (!(worst <= 1e-9 * Math.max(peak, 1e-300))) {
    return keep("the codes read this way do not give the graph's weights");
  }
  return { model: q };
}

/** A constant `(rows, cols)`, or `(cols, rows)` when not transposed, as `(rows, cols)`. */
function layout(
  c: { dims: number[]; values: Float64Array },
  rows: number,
  cols: number,
  transposed: boolean,
): Float64Array | null {
  const [r, k] = c.dims;
  if (c.dims.length !== 2) return null;
  if (transposed) return r === rows && k === cols ? c.values : null;
  if (r !== cols || k !== rows) return null;
  const out = new Float64Array(rows * cols);
  for (let j = 0; j < cols; j++) {
    for (let o = 0; o < rows; o++) out[o * cols + j] = c.values[j * rows + o];
  }
  return out;
}

function float16Tensor(
  c: { dims: number[]; values: Float64Array },
  rows: number,
  cols: number,
  transposed: boolean,
): { tensor: QuantizedTensor } | { reason: string } {
  const v = layout(c, rows, cols, transposed);
  if (!v) return { reason: "their float16 constant does not have the weights' shape" };
  const codes = Uint16Array.from(v, (x) => toFloat16Bits(x));
  return { tensor: { kind: "float16", rows, cols, bits: 16, granularity: "tensor", codes } };
}

function uniformTensor(
  dq: OnnxNode,
  view: GraphView,
  rows: number,
  cols: number,
  transposed: boolean,
  numbers: (name: string | undefined) => { dims: number[]; values: Float64Array } | null,
): { tensor: QuantizedTensor } | { reason: string } {
  const codes = numbers(dq.input[0]), scale = numbers(dq.input[1]);
  const zero = numbers(dq.input[2]);
  const type = INTEGER_TYPES[view.types.get(dq.input[0]) ?? -1];
  if (!codes || !scale || !type) {
    return { reason: "their DequantizeLinear does not read 8- or 16-bit integer constants" };
  }
  const v = layout(codes, rows, cols, transposed);
  if (!v) return { reason: "their codes do not have the weights' shape" };
  // Groups: one scale for the tensor, or one per class row or per feature column.
  let granularity: Granularity = "tensor";
  if (scale.values.length !== 1 || scale.dims.length === 1) {
    const raw = Number(attr(dq, "axis")?.i ?? 1);
    const axis = raw < 0 ? raw + 2 : raw;
    // In (rows, cols) terms: a transposed constant's axis 0 is the rows (classes).
    const classes = transposed ? axis === 0 : axis === 1;
    granularity = classes ? "class" : "feature";
    if (scale.values.length === 1 && (classes ? rows : cols) !== 1) granularity = "tensor";
  }
  const groups = granularity === "tensor" ? 1 : granularity === "class" ? rows : cols;
  const spread = (x: Float64Array) => (x.length === 1 ? new Float64Array(groups).fill(x[0]) : x);
  const s = spread(scale.values);
  const z = zero ? spread(zero.values) : new Float64Array(groups);
  if (s.length !== groups || z.length !== groups) {
    return { reason: "their scales or zero points do not fit their groups" };
  }
  // Signed codes with zero points 0 are symmetric (unless they use -2^(bits-1), which a
  // symmetric grid leaves out); others are affine (signed ones shifted into the unsigned range,
  // with their zero points: the same values).
  const widthFor = (scheme: UniformScheme, q: Float64Array, zp: Float64Array) => {
    const fits = (bits: number) => {
      const { min, max } = codeRange("uniform", scheme, bits);
      // 1-bit symmetric codes are -1 and +1: no code stands for 0.
      const holds = (x: number) =>
        x >= min && x <= max && !(bits === 1 && scheme === "symmetric" && x === 0);
      return q.every(holds) && zp.every((x) => x >= min && x <= max);
    };
    // The file's own width when lrcompress wrote it and the codes fit, else the least that
    // holds every code and zero point.
    const named = Number(view.storage?.match(/^uniform (\d+)-bit/)?.[1]);
    if (Number.isInteger(named) && named >= 1 && named <= type.bits && fits(named)) return named;
    for (let bits = 1; bits <= type.bits; bits++) if (fits(bits)) return bits;
    return 0;
  };
  let scheme: UniformScheme = "symmetric";
  let q = v, zp = z;
  let bits = type.signed && z.every((x) => x === 0) ? widthFor(scheme, q, zp) : 0;
  if (bits === 0) {
    scheme = "affine";
    if (type.signed) {
      const offset = 2 ** (type.bits - 1);
      q = v.map((x) => x + offset);
      zp = z.map((x) => x + offset);
    }
    bits = widthFor(scheme, q, zp);
    if (bits === 0) return { reason: "their codes do not fit their integer type's range" };
  }
  const signedCodes = scheme === "symmetric";
  const array = bits <= 8
    ? (signedCodes ? Int8Array.from(q) : Uint8Array.from(q))
    : (signedCodes ? Int16Array.from(q) : Uint16Array.from(q));
  return {
    tensor: {
      kind: "uniform",
      scheme,
      rows,
      cols,
      bits,
      granularity,
      codes: array,
      scale: Float32Array.from(s),
      zeroPoint: Int32Array.from(zp),
    },
  };
}
