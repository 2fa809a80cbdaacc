#pragma once
// Private to core: exposes ONNX's protobuf types.

#include "lathe/common/Result.h"

#include <ATen/ATen.h>
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace lathe::deploy {

// The ONNX element types the export writes (TensorProto.DataType numbers). INT4 (ONNX 1.16, opset 21) is newer
// than Debian's ONNX 1.12 headers; data_type is a plain int32 field, so the number is written as it is.
enum class OnnxType : int32_t { Float = 1, Int8 = 3, Int16 = 5, Int64 = 7, Bool = 9, Double = 11, Int4 = 22 };

// An initializer whose bytes are made only when the file is written, so that a model is never held whole in memory.
struct OnnxTensorSpec {
    std::string name;
    OnnxType type = OnnxType::Float;
    std::vector<int64_t> dims;
};

// Bytes of a tensor's raw_data: int4 values are packed two per byte (ONNX's layout), others take their width.
// A produced tensor holds exactly these bytes (int4: packed into uint8).
uint64_t rawBytes(const OnnxTensorSpec& spec);

// Tensors made together: a linear's codes and scales come from one read of the container.
struct OnnxTensorBatch {
    std::string what;  // for progress: the module or tensor it comes from
    std::vector<OnnxTensorSpec> tensors;
    // The data of each tensor, in order, as contiguous tensors whose bytes are raw_data (no copy into strings: an
    // embedding alone may be a gigabyte). The writer drops the function once used, and with it what it holds.
    std::function<Result<std::vector<at::Tensor>>()> produce;
};

// A node attribute: an int, a float or a list of ints.
struct OnnxAttr {
    std::string name;
    std::variant<int64_t, float, std::vector<int64_t>> value;
};

// A dimension of a graph input or output: a size or a symbolic name ("batch_size").
using OnnxDim = std::variant<int64_t, std::string>;

// Builds one ONNX graph at one opset of the default domain: nodes in topological order (the builder only refers to
// names it has made), graph inputs and outputs, small constants written inline, large tensors deferred.
class OnnxGraph {
public:
    explicit OnnxGraph(int opset) : m_opset(opset) {}
    int opset() const { return m_opset; }

    // Names of what nodes made are "<scope>/<op>_<n>" (unique), so the graph reads like the model: set the scope
    // to "l3/attn" (layer 3's attention) before building that part.
    void setScope(std::string scope) { m_scope = std::move(scope); }

    // Adds a node of `op` and returns its output (named from the scope unless `output` names it).
    std::string add(const std::string& op, const std::vector<std::string>& inputs,
                    const std::vector<OnnxAttr>& attrs = {}, const std::string& output = {});

    // Inline initializers: a 1-D int64 tensor, a 0-d int64, float, int8 or int16 scalar, a 1-D double tensor. Equal
    // constants are one initializer.
    std::string int64s(const std::vector<int64_t>& values);
    std::string int64Scalar(int64_t value);
    std::string floatScalar(float value);
    std::string int8Scalar(int8_t value);
    std::string int16Scalar(int16_t value);
    std::string doubles(const std::vector<double>& values);

    // A deferred batch of tensors (OnnxTensorBatch); their names are usable at once.
    void defer(OnnxTensorBatch batch);

    void input(const std::string& name, OnnxType type, const std::vector<OnnxDim>& dims);
    void output(const std::string& name, OnnxType type, const std::vector<OnnxDim>& dims);

    // ReduceMean over the last axis, keeping it (its axes moved from an attribute to an input at opset 18).
    std::string reduceMeanLast(const std::string& x);

    onnx::GraphProto& proto() { return m_graph; }
    std::vector<OnnxTensorBatch>& deferred() { return m_deferred; }
    uint64_t deferredBytes() const;

private:
    std::string fresh(const std::string& op);
    std::string inlineTensor(OnnxType type, const std::vector<int64_t>& dims, std::string raw);

    int m_opset;
    std::string m_scope;
    int64_t m_counter = 0;
    onnx::GraphProto m_graph;
    std::vector<OnnxTensorBatch> m_deferred;
    std::map<std::string, std::string> m_constants;  // type, dims and bytes → name
};

}  // namespace lathe::deploy
