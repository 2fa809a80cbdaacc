#pragma once
// The plain C interface of the lathe_spm module. No protobuf or sentencepiece types cross it, so the
// module's bundled protobuf never meets libtorch's. All functions are safe to call from any thread
// with distinct handles; one handle is safe for concurrent encode/decode (sentencepiece is const there).

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct LatheSpm LatheSpm;

// Loads a sentencepiece model: with from_bytes != 0, `path_or_bytes` holds the serialized model (`len`
// bytes); otherwise it holds a file path of `len` bytes (no NUL needed). Returns NULL on failure and writes
// a message into `err` (NUL-terminated, truncated to err_cap). The handle is freed with lathe_spm_free.
typedef LatheSpm* (*LatheSpmLoadFn)(const char* path_or_bytes, size_t len, int from_bytes, char* err,
                                    size_t err_cap);
typedef void (*LatheSpmFreeFn)(LatheSpm* spm);

// Encodes UTF-8 text to ids. Writes up to `cap` ids and returns the total count (call again with a
// larger buffer when it exceeds cap), or -1 on failure.
typedef int64_t (*LatheSpmEncodeFn)(const LatheSpm* spm, const char* text, size_t len, int32_t* out,
                                    size_t cap);
// Decodes ids to UTF-8. Same size protocol as encode, in bytes (no NUL appended).
typedef int64_t (*LatheSpmDecodeFn)(const LatheSpm* spm, const int32_t* ids, size_t n, char* out,
                                    size_t cap);
// Vocabulary facts. Piece text follows the same size protocol as decode.
typedef int32_t (*LatheSpmVocabSizeFn)(const LatheSpm* spm);
typedef int32_t (*LatheSpmSpecialIdFn)(const LatheSpm* spm, int which);  // 0 bos, 1 eos, 2 unk, 3 pad
typedef int64_t (*LatheSpmPieceFn)(const LatheSpm* spm, int32_t id, char* out, size_t cap);
// The id of a piece given as UTF-8 text, or -1 when the vocabulary has no such piece.
typedef int32_t (*LatheSpmPieceToIdFn)(const LatheSpm* spm, const char* piece, size_t len);
typedef float (*LatheSpmScoreFn)(const LatheSpm* spm, int32_t id);
// 1 normal, 2 unknown, 3 control, 4 user defined, 5 unused, 6 byte (sentencepiece's Type values).
typedef int32_t (*LatheSpmPieceTypeFn)(const LatheSpm* spm, int32_t id);

#define LATHE_SPM_SYMBOLS(X)                      \
    X(LatheSpmLoadFn, lathe_spm_load)             \
    X(LatheSpmFreeFn, lathe_spm_free)             \
    X(LatheSpmEncodeFn, lathe_spm_encode)         \
    X(LatheSpmDecodeFn, lathe_spm_decode)         \
    X(LatheSpmVocabSizeFn, lathe_spm_vocab_size)  \
    X(LatheSpmSpecialIdFn, lathe_spm_special_id)  \
    X(LatheSpmPieceFn, lathe_spm_piece)           \
    X(LatheSpmPieceToIdFn, lathe_spm_piece_to_id) \
    X(LatheSpmScoreFn, lathe_spm_score)           \
    X(LatheSpmPieceTypeFn, lathe_spm_piece_type)

#ifdef __cplusplus
}
#endif
