#include "export/TorchSaveReader.h"

#include <caffe2/serialize/inline_container.h>

#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

namespace lathe::exports {

namespace {

// A Python object, as far as torch.save's pickles need one.
struct PyObject;
using PyRef = std::shared_ptr<PyObject>;
struct PyObject {
    enum class Kind { None, Bool, Int, Float, Str, Tuple, List, Dict, Global, Tensor, Mark, Object } kind = Kind::None;
    std::int64_t i = 0;
    double f = 0;
    std::string s;             // Str, Global ("module.name"), Object (its class)
    std::vector<PyRef> items;  // Tuple, List; Dict as key, value, key, value...
    at::Tensor tensor;         // Tensor, and storages (1-D)
};

PyRef make(PyObject::Kind kind)
{
    auto o = std::make_shared<PyObject>();
    o->kind = kind;
    return o;
}

struct Failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};
// A file whose bytes contradict themselves (sizes, strides, offsets, record lengths): Corrupt, not Unsupported.
struct Damaged : Failure {
    using Failure::Failure;
};

std::optional<at::ScalarType> storageDtype(const std::string& name)
{
    static const std::map<std::string, at::ScalarType> types = {
        {"torch.FloatStorage", at::kFloat}, {"torch.DoubleStorage", at::kDouble},
        {"torch.HalfStorage", at::kHalf},   {"torch.BFloat16Storage", at::kBFloat16},
        {"torch.LongStorage", at::kLong},   {"torch.IntStorage", at::kInt},
        {"torch.ShortStorage", at::kShort}, {"torch.CharStorage", at::kChar},
        {"torch.ByteStorage", at::kByte},   {"torch.BoolStorage", at::kBool}};
    const auto it = types.find(name);
    if (it == types.end()) return std::nullopt;
    return it->second;
}

std::vector<std::int64_t> intsOf(const PyRef& tuple)
{
    if (tuple->kind != PyObject::Kind::Tuple && tuple->kind != PyObject::Kind::List)
        throw Failure("expected a tuple of ints");
    std::vector<std::int64_t> out;
    for (const auto& v : tuple->items) {
        if (v->kind != PyObject::Kind::Int) throw Failure("expected a tuple of ints");
        out.push_back(v->i);
    }
    return out;
}

class Interpreter {
public:
    Interpreter(caffe2::serialize::PyTorchStreamReader& zip, const std::string& data) : m_zip(zip), m_data(data) {}

    PyRef run()
    {
        for (;;) {
            const auto op = byte();
            switch (op) {
                case 0x80:
                    byte();
                    break;  // PROTO
                case 0x95:
                    bytes(8);
                    break;  // FRAME
                case '.':
                    return pop();  // STOP
                case 'c': {        // GLOBAL
                    auto g = make(PyObject::Kind::Global);
                    const std::string module = line();
                    g->s = module + "." + line();
                    push(g);
                    break;
                }
                case 0x93: {  // STACK_GLOBAL
                    auto name = pop(), module = pop();
                    auto g = make(PyObject::Kind::Global);
                    g->s = module->s + "." + name->s;
                    push(g);
                    break;
                }
                case 'q':
                    m_memo[byte()] = top();
                    break;  // BINPUT
                case 'r':
                    m_memo[u32()] = top();
                    break;  // LONG_BINPUT
                case 0x94:
                    m_memo[m_memo.size()] = top();
                    break;  // MEMOIZE
                case 'h':
                    push(memo(byte()));
                    break;  // BINGET
                case 'j':
                    push(memo(u32()));
                    break;  // LONG_BINGET
                case '(':
                    push(make(PyObject::Kind::Mark));
                    break;  // MARK
                case 't':
                    push(sequence(PyObject::Kind::Tuple, popMark()));
                    break;
                case 'l':
                    push(sequence(PyObject::Kind::List, popMark()));
                    break;
                case 'd':
                    push(sequence(PyObject::Kind::Dict, popMark()));
                    break;
                case ')':
                    push(make(PyObject::Kind::Tuple));
                    break;
                case ']':
                    push(make(PyObject::Kind::List));
                    break;
                case '}':
                    push(make(PyObject::Kind::Dict));
                    break;
                case 0x85:
                case 0x86:
                case 0x87: {  // TUPLE1..3
                    std::vector<PyRef> items(op - 0x84);
                    for (auto it = items.rbegin(); it != items.rend(); ++it) *it = pop();
                    push(sequence(PyObject::Kind::Tuple, std::move(items)));
                    break;
                }
                case 'a': {
                    auto v = pop();
                    top()->items.push_back(v);
                    break;
                }  // APPEND
                case 's': {
                    auto v = pop(), k = pop();
                    top()->items.push_back(k);
                    top()->items.push_back(v);
                    break;
                }
                case 'e':
                case 'u': {  // APPENDS, SETITEMS
                    auto items = popMark();
                    for (auto& v : items) top()->items.push_back(v);
                    break;
                }
                case 'N':
                    push(make(PyObject::Kind::None));
                    break;
                case 0x88:
                case 0x89: {
                    auto b = make(PyObject::Kind::Bool);
                    b->i = op == 0x88;
                    push(b);
                    break;
                }
                case 'K':
                    pushInt(byte());
                    break;
                case 'M':
                    pushInt(u16());
                    break;
                case 'J':
                    pushInt(static_cast<std::int32_t>(u32()));
                    break;
                case 0x8a: {  // LONG1
                    const auto n = byte();
                    const std::string b = bytes(n);
                    std::int64_t v = 0;
                    if (n > 8) throw Failure("integer too large");
                    for (std::size_t i = 0; i < n; ++i)
                        v |= static_cast<std::int64_t>(static_cast<unsigned char>(b[i])) << (8 * i);
                    if (n > 0 && n < 8 && (static_cast<unsigned char>(b[n - 1]) & 0x80))
                        v -= std::int64_t(1) << (8 * n);
                    pushInt(v);
                    break;
                }
                case 'G': {  // BINFLOAT, big-endian
                    const std::string b = bytes(8);
                    std::uint64_t bits = 0;
                    for (char c : b) bits = (bits << 8) | static_cast<unsigned char>(c);
                    auto f = make(PyObject::Kind::Float);
                    std::memcpy(&f->f, &bits, 8);
                    push(f);
                    break;
                }
                case 'X':
                case 'T':
                case 'B':
                    pushStr(bytes(u32()));
                    break;
                case 0x8c:
                case 'U':
                case 'C':
                    pushStr(bytes(byte()));
                    break;
                case 'Q':
                    push(persistentLoad(pop()));
                    break;  // BINPERSID
                case 'R':
                case 0x81: {  // REDUCE, NEWOBJ
                    auto args = pop(), callable = pop();
                    push(call(callable, args));
                    break;
                }
                case 'b': {  // BUILD
                    auto state = pop();
                    // A TorchScript module's attributes (parameters included) are its state: it stands for the
                    // object. Any other object is kept as it is.
                    if (top()->kind == PyObject::Kind::Object && state->kind == PyObject::Kind::Dict) {
                        pop();
                        push(state);
                    }
                    break;
                }
                default:
                    throw Failure("unsupported pickle opcode " + std::to_string(op));
            }
        }
    }

private:
    std::size_t byte()
    {
        if (m_pos >= m_data.size()) throw Failure("data.pkl ends early");
        return static_cast<unsigned char>(m_data[m_pos++]);
    }
    std::string bytes(std::size_t n)
    {
        if (n > m_data.size() - m_pos) throw Failure("data.pkl ends early");
        std::string out = m_data.substr(m_pos, n);
        m_pos += n;
        return out;
    }
    std::uint32_t u16()
    {
        const auto a = byte();
        return static_cast<std::uint32_t>(a | (byte() << 8));
    }
    std::uint32_t u32()
    {
        std::uint32_t v = 0;
        for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(byte()) << (8 * i);
        return v;
    }
    std::string line()
    {
        const auto nl = m_data.find('\n', m_pos);
        if (nl == std::string::npos) throw Failure("data.pkl ends early");
        std::string out = m_data.substr(m_pos, nl - m_pos);
        m_pos = nl + 1;
        return out;
    }
    void push(PyRef v) { m_stack.push_back(std::move(v)); }
    void pushInt(std::int64_t v)
    {
        auto o = make(PyObject::Kind::Int);
        o->i = v;
        push(o);
    }
    void pushStr(std::string s)
    {
        auto o = make(PyObject::Kind::Str);
        o->s = std::move(s);
        push(o);
    }
    PyRef top()
    {
        if (m_stack.empty()) throw Failure("pickle stack underflow");
        return m_stack.back();
    }
    PyRef pop()
    {
        auto v = top();
        m_stack.pop_back();
        return v;
    }
    PyRef memo(std::size_t key)
    {
        const auto it = m_memo.find(key);
        if (it == m_memo.end()) throw Failure("pickle memo entry missing");
        return it->second;
    }
    std::vector<PyRef> popMark()
    {
        std::vector<PyRef> items;
        for (;;) {
            auto v = pop();
            if (v->kind == PyObject::Kind::Mark) break;
            items.insert(items.begin(), v);
        }
        return items;
    }
    static PyRef sequence(PyObject::Kind kind, std::vector<PyRef> items)
    {
        auto o = make(kind);
        o->items = std::move(items);
        return o;
    }

    // ('storage', torch.FloatStorage, key, location, numel) → the storage's bytes as a 1-D tensor.
    PyRef persistentLoad(const PyRef& pid)
    {
        if (pid->kind != PyObject::Kind::Tuple || pid->items.size() < 5 || pid->items[0]->s != "storage")
            throw Failure("unknown persistent id");
        const auto dtype = storageDtype(pid->items[1]->s);
        if (!dtype) throw Failure("unsupported storage type " + pid->items[1]->s);
        const std::string& key = pid->items[2]->s;
        const std::int64_t numel = pid->items[4]->i;
        const std::string record = "data/" + key;
        if (!m_zip.hasRecord(record)) throw Damaged("storage " + record + " is missing");
        auto [data, size] = m_zip.getRecord(record);
        const auto elementSize = static_cast<std::int64_t>(c10::elementSize(*dtype));
        if (numel < 0 || numel > static_cast<std::int64_t>(size) / elementSize ||
            static_cast<std::int64_t>(size) != numel * elementSize)
            throw Damaged("storage " + record + " has " + std::to_string(size) + " bytes but claims " +
                          std::to_string(numel) + " elements of " + std::to_string(elementSize) + " bytes");
        auto storage = make(PyObject::Kind::Tensor);
        if (size == 0) {
            storage->tensor = at::empty({numel}, at::TensorOptions().dtype(*dtype));
        } else {
            // The record's own buffer becomes the storage (no second copy: an embedding may be a gigabyte). It comes
            // from the CPU allocator, so it is aligned for any element type.
            auto owner = std::make_shared<at::DataPtr>(std::move(data));
            storage->tensor = at::from_blob(
                owner->get(), {numel}, [owner](void*) {}, at::TensorOptions().dtype(*dtype));
        }
        return storage;
    }

    PyRef call(const PyRef& callable, const PyRef& args)
    {
        const std::string& name = callable->s;
        if (callable->kind != PyObject::Kind::Global) throw Failure("call of a non-global");
        const auto& a = args->items;
        if (name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor") {
            if (a.size() < 4 || a[0]->kind != PyObject::Kind::Tensor || a[1]->kind != PyObject::Kind::Int)
                throw Failure("malformed _rebuild_tensor_v2 call");
            const auto sizes = intsOf(a[2]), strides = intsOf(a[3]);
            if (sizes.size() != strides.size()) throw Damaged("tensor sizes and strides disagree");
            const at::Tensor& storage = a[0]->tensor;
            // Bounds first: as_strided would read past the storage otherwise.
            std::int64_t last = a[1]->i;
            for (std::size_t d = 0; d < sizes.size(); ++d) {
                if (sizes[d] < 0 || strides[d] < 0) throw Damaged("negative tensor size or stride");
                if (sizes[d] == 0) last = -1;
                std::int64_t extent = 0;
                // Overflow-checked: a huge size times a huge stride must not wrap around into range.
                if (last >= 0 && (__builtin_mul_overflow(sizes[d] - 1, strides[d], &extent) ||
                                  __builtin_add_overflow(last, extent, &last)))
                    throw Damaged("tensor lies outside its storage");
            }
            if (a[1]->i < 0 || last >= storage.numel()) throw Damaged("tensor lies outside its storage");
            auto t = make(PyObject::Kind::Tensor);
            t->tensor = storage.as_strided(sizes, strides, a[1]->i);
            return t;
        }
        if (name == "torch._utils._rebuild_parameter" || name == "torch._utils._rebuild_parameter_with_state") {
            if (a.empty() || a[0]->kind != PyObject::Kind::Tensor) throw Failure("malformed _rebuild_parameter call");
            return a[0];
        }
        if (name == "collections.OrderedDict") return make(PyObject::Kind::Dict);
        // torch.jit.save's data.pkl creates each module as an instance of its compiled class; only its state (BUILD)
        // is read, never the class's code.
        if (name.rfind("__torch__.", 0) == 0 && args->kind == PyObject::Kind::Tuple && a.empty()) {
            auto object = make(PyObject::Kind::Object);
            object->s = name;
            return object;
        }
        throw Failure("objects of type " + name + " are not supported");
    }

    caffe2::serialize::PyTorchStreamReader& m_zip;
    const std::string& m_data;
    std::size_t m_pos = 0;
    std::vector<PyRef> m_stack;
    std::map<std::size_t, PyRef> m_memo;
};

std::optional<at::Tensor> pickTensor(const PyRef& v)
{
    if (v->kind == PyObject::Kind::Tensor) return v->tensor;
    if (v->kind == PyObject::Kind::Dict) {
        std::optional<at::Tensor> only;
        int count = 0;
        for (std::size_t i = 0; i + 1 < v->items.size(); i += 2) {
            if (v->items[i + 1]->kind != PyObject::Kind::Tensor) continue;
            if (v->items[i]->s == "weight") return v->items[i + 1]->tensor;
            only = v->items[i + 1]->tensor;
            ++count;
        }
        if (count == 1) return only;
    }
    return std::nullopt;
}

}  // namespace

Result<at::Tensor> readSavedTensor(const std::string& path)
{
    try {
        caffe2::serialize::PyTorchStreamReader zip(path);
        if (!zip.hasRecord("data.pkl"))
            return makeError(ErrorCode::Corrupt, path + " has no data.pkl: not a file written by torch.save");
        auto [data, size] = zip.getRecord("data.pkl");
        const std::string pickle(static_cast<const char*>(data.get()), size);
        Interpreter interpreter(zip, pickle);
        auto tensor = pickTensor(interpreter.run());
        if (!tensor)
            return makeError(ErrorCode::Corrupt,
                             path + " holds no tensor (expected the embedding matrix [vocab, hidden])");
        // A tensor that is its whole storage is returned as it is; a view of part of one is copied, so that the rest
        // of the storage is not kept alive with it.
        const bool whole = tensor->is_contiguous() && tensor->storage_offset() == 0 &&
                           tensor->storage().nbytes() == size_t(tensor->numel()) * tensor->element_size();
        return whole ? *tensor : tensor->clone();
    } catch (const Damaged& e) {
        return makeError(ErrorCode::Corrupt, path + ": " + e.what());
    } catch (const Failure& e) {
        return makeError(ErrorCode::Unsupported, path + ": " + e.what());
    } catch (const std::exception& e) {
        std::string what = e.what();
        if (const auto nl = what.find('\n'); nl != std::string::npos) what.resize(nl);
        return makeError(ErrorCode::Corrupt, path + " is not a file written by torch.save (" + what + ")");
    }
}

}  // namespace lathe::exports
