#include "model/GgufBlocks.h"

#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace lathe::model {
namespace {

constexpr int64_t kQ4Bytes = 2 + kGgmlBlock / 2;  // 18
constexpr int64_t kQ8Bytes = 2 + kGgmlBlock;      // 34

uint16_t halfBits(float value)
{
    return c10::Half(value).x;
}

float halfValue(uint16_t bits)
{
    return float(c10::Half(bits, c10::Half::from_bits()));
}

void putHalf(char* out, float value)
{
    const uint16_t bits = halfBits(value);
    std::memcpy(out, &bits, 2);
}

float getHalf(const uint8_t* in)
{
    uint16_t bits = 0;
    std::memcpy(&bits, in, 2);
    return halfValue(bits);
}

int64_t blockBytes(GgmlType type)
{
    return type == GgmlType::Q4_0 ? kQ4Bytes : kQ8Bytes;
}

bool isBlockType(GgmlType type)
{
    return type == GgmlType::Q4_0 || type == GgmlType::Q8_0;
}

// One block of 32 signed codes with scale d.
void putBlock(char* out, float d, const int8_t* q, GgmlType type)
{
    putHalf(out, d);
    if (type == GgmlType::Q8_0) {
        std::memcpy(out + 2, q, kGgmlBlock);
        return;
    }
    for (int j = 0; j < kGgmlBlock / 2; ++j)
        out[2 + j] = char(uint8_t((q[j] + 8) & 0xF) | uint8_t(((q[j + kGgmlBlock / 2] + 8) & 0xF) << 4));
}

}  // namespace

std::optional<GgmlType> ggmlType(uint32_t number)
{
    for (GgmlType t : {GgmlType::F32, GgmlType::F16, GgmlType::Q4_0, GgmlType::Q8_0, GgmlType::BF16})
        if (uint32_t(t) == number) return t;
    return std::nullopt;
}

const char* toString(GgmlType type)
{
    switch (type) {
        case GgmlType::F32:
            return "F32";
        case GgmlType::F16:
            return "F16";
        case GgmlType::Q4_0:
            return "Q4_0";
        case GgmlType::Q8_0:
            return "Q8_0";
        case GgmlType::BF16:
            return "BF16";
    }
    return "?";
}

std::optional<uint64_t> ggmlBytes(GgmlType type, int64_t rows, int64_t cols)
{
    if (rows < 0 || cols < 0) return std::nullopt;
    if (isBlockType(type)) {
        if (cols % kGgmlBlock != 0) return std::nullopt;
        return uint64_t(rows) * uint64_t(cols / kGgmlBlock) * uint64_t(blockBytes(type));
    }
    return uint64_t(rows) * uint64_t(cols) * (type == GgmlType::F32 ? 4u : 2u);
}

std::string encodeGrid(const at::Tensor& codes, const at::Tensor& scales, GgmlType type)
{
    if (!isBlockType(type) || codes.dim() != 2 || codes.scalar_type() != at::kChar || codes.size(1) % kGgmlBlock != 0 ||
        scales.dim() != 2 || scales.size(0) != codes.size(0) || scales.size(1) != codes.size(1) / kGgmlBlock)
        throw std::invalid_argument("encodeGrid: codes must be int8 [rows, 32·k] with fp32 scales [rows, k]");
    const int64_t lo = type == GgmlType::Q4_0 ? -8 : -128, hi = type == GgmlType::Q4_0 ? 7 : 127;
    if (codes.numel() > 0 && (codes.min().item<int64_t>() < lo || codes.max().item<int64_t>() > hi))
        throw std::invalid_argument(std::string("encodeGrid: codes outside the grid of ") + toString(type));
    if (!scalesAreHalf(scales)) throw std::invalid_argument("encodeGrid: scales are not float16 values");
    const at::Tensor c = codes.contiguous();
    const at::Tensor s = scales.to(at::kFloat).contiguous();
    const int64_t rows = c.size(0), blocks = c.size(1) / kGgmlBlock;
    std::string out(*ggmlBytes(type, rows, c.size(1)), '\0');
    const int8_t* q = c.data_ptr<int8_t>();
    const float* d = s.data_ptr<float>();
    const int64_t stride = blockBytes(type);
    for (int64_t b = 0; b < rows * blocks; ++b) putBlock(out.data() + b * stride, d[b], q + b * kGgmlBlock, type);
    return out;
}

std::string encodeRounded(const at::Tensor& rows, GgmlType type)
{
    const at::Tensor x = rows.to(at::kFloat).contiguous();
    const int64_t n = x.size(0), cols = x.size(1);
    const auto bytes = ggmlBytes(type, n, cols);
    if (x.dim() != 2 || !bytes)
        throw std::invalid_argument(std::string("encodeRounded: rows must be 2-D with a width fitting ") +
                                    toString(type));
    std::string out(*bytes, '\0');
    const float* v = x.data_ptr<float>();
    switch (type) {
        case GgmlType::F32:
            std::memcpy(out.data(), v, out.size());
            return out;
        case GgmlType::F16:
            for (int64_t i = 0; i < x.numel(); ++i) putHalf(out.data() + 2 * i, v[i]);
            return out;
        case GgmlType::BF16:
            for (int64_t i = 0; i < x.numel(); ++i) {
                const uint16_t bits = c10::BFloat16(v[i]).x;  // round to nearest even, as ggml_compute_fp32_to_bf16
                std::memcpy(out.data() + 2 * i, &bits, 2);
            }
            return out;
        case GgmlType::Q4_0:
        case GgmlType::Q8_0:
            break;
    }
    int8_t q[kGgmlBlock];
    const int64_t stride = blockBytes(type);
    for (int64_t b = 0; b < x.numel() / kGgmlBlock; ++b) {
        const float* block = v + b * kGgmlBlock;
        float d = 0.0f;
        if (type == GgmlType::Q4_0) {
            // quantize_row_q4_0_ref: the value of largest magnitude maps to -8, codes round as (int8)(x/d + 8.5).
            float amax = 0.0f, max = 0.0f;
            for (int j = 0; j < kGgmlBlock; ++j)
                if (amax < std::fabs(block[j])) {
                    amax = std::fabs(block[j]);
                    max = block[j];
                }
            d = max / -8.0f;
            const float id = d != 0.0f ? 1.0f / d : 0.0f;
            for (int j = 0; j < kGgmlBlock; ++j)
                q[j] = int8_t(std::min<int>(15, int(int8_t(block[j] * id + 8.5f))) - 8);
        } else {
            // quantize_row_q8_0_ref: d = amax / 127, codes roundf(x / d).
            float amax = 0.0f;
            for (int j = 0; j < kGgmlBlock; ++j) amax = std::max(amax, std::fabs(block[j]));
            d = amax / 127.0f;
            const float id = d != 0.0f ? 1.0f / d : 0.0f;
            for (int j = 0; j < kGgmlBlock; ++j) q[j] = int8_t(std::roundf(block[j] * id));
        }
        putBlock(out.data() + b * stride, d, q, type);
    }
    return out;
}

at::Tensor decodeRows(const uint8_t* data, GgmlType type, int64_t rows, int64_t cols)
{
    at::Tensor out = at::empty({rows, cols}, at::kFloat);
    float* o = out.data_ptr<float>();
    const int64_t n = rows * cols;
    switch (type) {
        case GgmlType::F32:
            std::memcpy(o, data, size_t(n) * 4);
            return out;
        case GgmlType::F16:
            for (int64_t i = 0; i < n; ++i) o[i] = getHalf(data + 2 * i);
            return out;
        case GgmlType::BF16:
            for (int64_t i = 0; i < n; ++i) {
                uint16_t bits = 0;
                std::memcpy(&bits, data + 2 * i, 2);
                o[i] = float(c10::BFloat16(bits, c10::BFloat16::from_bits()));
            }
            return out;
        case GgmlType::Q4_0:
        case GgmlType::Q8_0:
            break;
    }
    const int64_t stride = blockBytes(type);
    for (int64_t b = 0; b < n / kGgmlBlock; ++b) {
        const uint8_t* block = data + b * stride;
        const float d = getHalf(block);
        float* x = o + b * kGgmlBlock;
        if (type == GgmlType::Q8_0) {
            for (int j = 0; j < kGgmlBlock; ++j) x[j] = d * float(int8_t(block[2 + j]));
        } else {
            for (int j = 0; j < kGgmlBlock / 2; ++j) {
                x[j] = d * float(int(block[2 + j] & 0xF) - 8);
                x[j + kGgmlBlock / 2] = d * float(int(block[2 + j] >> 4) - 8);
            }
        }
    }
    return out;
}

bool scalesAreHalf(const at::Tensor& scales)
{
    const at::Tensor s = scales.to(at::kFloat);
    return s.numel() == 0 || (at::isfinite(s).all().item<bool>() && s.to(at::kHalf).to(at::kFloat).equal(s));
}

}  // namespace lathe::model
