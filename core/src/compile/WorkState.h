#pragma once
// Private to core: exposes libtorch types.

#include "common/FileLock.h"
#include "compile/ActivationStore.h"
#include "compile/TensorFile.h"
#include "lathe/compile/CompileReport.h"
#include "model/SafetensorsWriter.h"

#include <memory>
#include <string>
#include <vector>

namespace lathe::compile {

// A finished decoder layer as its part file and report rows hold it.
struct FinishedLayer {
    std::string partFile;  // container tensors of the layer (norms, then each linear's), as the container stores them
    std::vector<LinearReport> linears;
    BlockReport block;
};

// The work folder of one compile (docs/compiler.md, "Resume"): state.json, one part file per finished layer and
// a checkpoint of the two hidden-state streams after the last one. Every file is written under a temporary name
// and renamed, and state.json last, so a compile killed at any moment leaves a consistent folder.
class WorkState {
public:
    // Opens or starts the state in `workDir`. With `resume` and a state.json whose fingerprint matches, the finished
    // layers are taken over; otherwise the folder's compile files are removed and `note` says why (empty when
    // there was nothing to resume). The folder is locked for as long as the state lives. Errors: Io (cannot create
    // or clean the folder), InvalidArgument (another compile holds the folder).
    static Result<WorkState> open(const std::string& workDir, const std::string& fingerprint, bool resume,
                                  std::string& note);

    const std::string& folder() const { return m_folder; }
    int finishedLayers() const { return int(m_layers.size()); }
    const std::vector<FinishedLayer>& layers() const { return m_layers; }

    // Puts the streams saved after the last finished layer back into `store` (kFloatStream, kQuantStream), bit for
    // bit as they were. Errors: Corrupt/NotFound (a damaged checkpoint), Io.
    Result<void> restoreStreams(ActivationStore& store, size_t samples) const;

    // Records layer `layer` as finished: its part file (`tensors`), the streams now in `store`, then state.json.
    Result<void> commitLayer(int layer, const model::NamedTensors& tensors, const std::vector<LinearReport>& linears,
                             const BlockReport& block, const ActivationStore& store, size_t samples);

    // Removes every file of this compile and the folder itself when nothing else is left in it.
    void remove() const;

    // The folder spilled activations go to.
    std::string spillFolder() const;

private:
    Result<void> writeState() const;

    std::string m_folder;
    std::string m_fingerprint;
    // Held for as long as the state lives: a second compile of the same outputs is refused instead of sharing
    // (and deleting) this folder.
    std::shared_ptr<FileLock> m_lock;
    std::vector<FinishedLayer> m_layers;
    std::string m_streamsFile;  // relative to the folder; empty before the first layer
};

}  // namespace lathe::compile
