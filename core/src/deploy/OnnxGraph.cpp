#include "deploy/OnnxGraph.h"

#include <cstring>

namespace lathe::deploy {
namespace {

void setDims(onnx::ValueInfoProto& info, OnnxType type, const std::vector<OnnxDim>& dims)
{
    auto* tensor = info.mutable_type()->mutable_tensor_type();
    tensor->set_elem_type(static_cast<int32_t>(type));
    auto* shape = tensor->mutable_shape();
    for (const OnnxDim& d : dims) {
        auto* dim = shape->add_dim();
        if (const auto* size = std::get_if<int64_t>(&d))
            dim->set_dim_value(*size);
        else
            dim->set_dim_param(std::get<std::string>(d));
    }
}

template <typename T>
std::string bytesOf(const T* values, size_t count)
{
    return std::string(reinterpret_cast<const char*>(values), count * sizeof(T));
}

}  // namespace

uint64_t rawBytes(const OnnxTensorSpec& spec)
{
    uint64_t count = 1;
    for (int64_t d : spec.dims) count *= uint64_t(d);
    switch (spec.type) {
        case OnnxType::Int4:
            return (count + 1) / 2;
        case OnnxType::Int8:
        case OnnxType::Bool:
            return count;
        case OnnxType::Int16:
            return count * 2;
        case OnnxType::Float:
            return count * 4;
        case OnnxType::Int64:
        case OnnxType::Double:
            return count * 8;
    }
    return count;
}

std::string OnnxGraph::fresh(const std::string& op)
{
    return (m_scope.empty() ? "" : m_scope + "/") + op + "_" + std::to_string(m_counter++);
}

std::string OnnxGraph::add(const std::string& op, const std::vector<std::string>& inputs,
                           const std::vector<OnnxAttr>& attrs, const std::string& output)
{
    auto* node = m_graph.add_node();
    const std::string name = fresh(op);
    node->set_name(name);
    node->set_op_type(op);
    for (const std::string& in : inputs) node->add_input(in);
    const std::string out = output.empty() ? name : output;
    node->add_output(out);
    for (const OnnxAttr& a : attrs) {
        auto* attr = node->add_attribute();
        attr->set_name(a.name);
        if (const auto* i = std::get_if<int64_t>(&a.value)) {
            attr->set_type(onnx::AttributeProto::INT);
            attr->set_i(*i);
        } else if (const auto* f = std::get_if<float>(&a.value)) {
            attr->set_type(onnx::AttributeProto::FLOAT);
            attr->set_f(*f);
        } else {
            attr->set_type(onnx::AttributeProto::INTS);
            for (int64_t v : std::get<std::vector<int64_t>>(a.value)) attr->add_ints(v);
        }
    }
    return out;
}

std::string OnnxGraph::inlineTensor(OnnxType type, const std::vector<int64_t>& dims, std::string raw)
{
    std::string key = std::to_string(int(type)) + ":";
    for (int64_t d : dims) key += std::to_string(d) + ",";
    key += raw;
    if (auto it = m_constants.find(key); it != m_constants.end()) return it->second;
    auto* t = m_graph.add_initializer();
    t->set_name("c" + std::to_string(m_constants.size()));
    t->set_data_type(static_cast<int32_t>(type));
    for (int64_t d : dims) t->add_dims(d);
    t->set_raw_data(std::move(raw));
    m_constants.emplace(std::move(key), t->name());
    return t->name();
}

std::string OnnxGraph::int64s(const std::vector<int64_t>& values)
{
    return inlineTensor(OnnxType::Int64, {int64_t(values.size())}, bytesOf(values.data(), values.size()));
}

std::string OnnxGraph::int64Scalar(int64_t value)
{
    return inlineTensor(OnnxType::Int64, {}, bytesOf(&value, 1));
}

std::string OnnxGraph::floatScalar(float value)
{
    return inlineTensor(OnnxType::Float, {}, bytesOf(&value, 1));
}

std::string OnnxGraph::int8Scalar(int8_t value)
{
    return inlineTensor(OnnxType::Int8, {}, bytesOf(&value, 1));
}

std::string OnnxGraph::int16Scalar(int16_t value)
{
    return inlineTensor(OnnxType::Int16, {}, bytesOf(&value, 1));
}

std::string OnnxGraph::doubles(const std::vector<double>& values)
{
    return inlineTensor(OnnxType::Double, {int64_t(values.size())}, bytesOf(values.data(), values.size()));
}

void OnnxGraph::defer(OnnxTensorBatch batch)
{
    m_deferred.push_back(std::move(batch));
}

uint64_t OnnxGraph::deferredBytes() const
{
    uint64_t total = 0;
    for (const auto& batch : m_deferred)
        for (const auto& spec : batch.tensors) total += rawBytes(spec);
    return total;
}

void OnnxGraph::input(const std::string& name, OnnxType type, const std::vector<OnnxDim>& dims)
{
    auto* info = m_graph.add_input();
    info->set_name(name);
    setDims(*info, type, dims);
}

void OnnxGraph::output(const std::string& name, OnnxType type, const std::vector<OnnxDim>& dims)
{
    auto* info = m_graph.add_output();
    info->set_name(name);
    setDims(*info, type, dims);
}

std::string OnnxGraph::reduceMeanLast(const std::string& x)
{
    if (m_opset >= 18) return add("ReduceMean", {x, int64s({-1})}, {{"keepdims", int64_t{1}}});
    return add("ReduceMean", {x}, {{"axes", std::vector<int64_t>{-1}}, {"keepdims", int64_t{1}}});
}

}  // namespace lathe::deploy
