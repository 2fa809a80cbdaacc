// ONNX export at Llama-3.2-1B's shapes: a synthetic model (SyntheticLlama.h) compiled w8 with round-to-nearest
// weights (the export's cost does not depend on how the weights were chosen), exported by `lathe export --format
// onnx` as a child process, so that its wall time and peak RSS (wait4's ru_maxrss) are its own and can be set
// against the container's size. ONNX Runtime (tests/deploy/peers) then loads the folder and runs 16 tokens; their
// logits are compared with Lathe's runtime on the same tokens. Prints one JSON object.
//
// usage: bench_export [--layers N] [--threads N] [--bit MODE] [--opset 21|17] [--work-dir DIR] [--keep]
#include "SyntheticLlama.h"
#include "runtime/LoadedModel.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Options {
    lathe::bench::SyntheticLlamaSpec spec;
    int threads = int(std::max(1u, std::thread::hardware_concurrency()));
    std::string bitMode = "w8";
    int opset = 21;
    fs::path workDir = LATHE_BENCH_WORK_DIR;
    bool keep = false;
};

struct Run {
    int exitCode = -1;
    double seconds = 0;
    long peakRssKb = 0;
};

// fork + exec, output to `log`; wait4 gives the child's own peak resident set.
Run runChild(const std::vector<std::string>& args, const fs::path& log)
{
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const auto start = Clock::now();
    const pid_t pid = fork();
    if (pid == 0) {
        const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (out < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) _exit(127);
        execvp(argv[0], argv.data());
        _exit(127);
    }
    Run run;
    if (pid < 0) return run;
    int status = 0;
    rusage usage{};
    wait4(pid, &status, 0, &usage);
    run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    run.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    run.peakRssKb = usage.ru_maxrss;
    return run;
}

std::string tail(const fs::path& log)
{
    std::ifstream in(log);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
}

uint64_t folderBytes(const fs::path& folder)
{
    uint64_t total = 0;
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(folder, ec))
        if (e.is_regular_file(ec)) total += e.file_size(ec);
    return total;
}

bool parseOptions(int argc, char** argv, Options& o)
{
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool hasValue = i + 1 < argc;
        if (a == "--layers" && hasValue)
            o.spec.layers = std::atoi(argv[++i]);
        else if (a == "--threads" && hasValue)
            o.threads = std::atoi(argv[++i]);
        else if (a == "--bit" && hasValue)
            o.bitMode = argv[++i];
        else if (a == "--opset" && hasValue)
            o.opset = std::atoi(argv[++i]);
        else if ((a == "--work-dir" || a == "--work_dir") && hasValue)
            o.workDir = argv[++i];
        else if (a == "--keep")
            o.keep = true;
        else {
            std::fprintf(stderr,
                         "usage: bench_export [--layers N] [--threads N] [--bit MODE] [--opset 21|17] "
                         "[--work-dir DIR] [--keep]\n");
            return false;
        }
    }
    return true;
}

}  // namespace

int main(int argc, char** argv)
{
    Options o;
    if (!parseOptions(argc, argv, o)) return 2;
    // Two short samples: the compile only has to produce a container of the real shapes.
    o.spec.samples = 2;
    o.spec.sampleTokens = 128;
    lathe::bench::chooseTokenizer(o.spec, LATHE_SOURCE_DIR, LATHE_SHARED_DATA);
    std::error_code ec;
    fs::create_directories(o.workDir, ec);
    std::string pattern = (o.workDir / "bench_export.XXXXXX").string();
    if (!mkdtemp(pattern.data())) {
        std::fprintf(stderr, "bench_export: cannot create a folder under %s\n", o.workDir.c_str());
        return 1;
    }
    const fs::path root = pattern;
    auto fail = [&](const std::string& what) {
        std::fprintf(stderr, "bench_export: %s\n", what.c_str());
        if (!o.keep) fs::remove_all(root, ec);
        return 1;
    };
    nlohmann::ordered_json report{
        {"benchmark", "export_onnx"}, {"model", "synthetic Llama-3.2-1B shapes, seeded random weights"},
        {"layers", o.spec.layers},    {"bit", o.bitMode},
        {"opset", o.opset},           {"threads", o.threads}};

    auto files = lathe::bench::writeSyntheticLlama(root, o.spec);
    if (!files) return fail(files.error().message);
    const std::string cli = LATHE_CLI_PATH, threads = std::to_string(o.threads);
    const fs::path container = root / "model.lathe", embedding = root / "embedding.pt", onnx = root / "onnx";
    Run run =
        runChild({cli, "download-model", "--repo_id", files->modelDir.string(), "--embedding", embedding.string()},
                 root / "embedding.log");
    if (run.exitCode != 0) return fail("embedding extraction failed: " + tail(root / "embedding.log"));
    run = runChild({cli, "compile", "--model_path", files->modelDir.string(), "--calib_data_path",
                    files->calibDir.string(), "--save_path", container.string(), "--bit", o.bitMode, "--weight_method",
                    "rtn", "--rotation", "off", "--threads", threads},
                   root / "compile.log");
    if (run.exitCode != 0) return fail("compile failed: " + tail(root / "compile.log"));
    report["compile_s"] = run.seconds;

    run = runChild({cli, "export", "--format", "onnx", "--mxq-path", container.string(), "--embedding-weight-path",
                    embedding.string(), "--output-dir", onnx.string(), "--opset", std::to_string(o.opset)},
                   root / "export.log");
    if (run.exitCode != 0) return fail("export failed: " + tail(root / "export.log"));
    const double containerBytes = double(fs::file_size(container, ec));
    report["container_mb"] = containerBytes / 1048576.0;
    report["embedding_mb"] = double(fs::file_size(embedding, ec)) / 1048576.0;
    report["export_s"] = run.seconds;
    report["export_peak_rss_mb"] = double(run.peakRssKb) / 1024.0;
    report["peak_rss_over_container"] = double(run.peakRssKb) * 1024.0 / containerBytes;
    report["onnx_folder_mb"] = double(folderBytes(onnx)) / 1048576.0;
    report["external_data"] = fs::exists(onnx / "onnx" / "model.onnx_data", ec);

    // 16 seeded token ids, run by ONNX Runtime and by Lathe's runtime.
    at::manual_seed(7);
    const at::Tensor ids = at::randint(3, o.spec.vocab, {1, 16}, at::kLong);
    {
        std::ofstream json(root / "ids.json");
        json << "[[";
        for (int64_t i = 0; i < 16; ++i) json << (i ? "," : "") << ids[0][i].item<int64_t>();
        json << "]]";
    }
    const fs::path ortLogits = root / "ort.f32";
    run = runChild({"node", (fs::path(LATHE_SOURCE_DIR) / "tests/deploy/peers/onnx-peer.mjs").string(), "logits",
                    onnx.string(), (root / "ids.json").string(), ortLogits.string()},
                   root / "ort.log");
    if (run.exitCode != 0) return fail("ONNX Runtime failed: " + tail(root / "ort.log"));
    report["onnxruntime_s"] = run.seconds;
    report["onnxruntime_peak_rss_mb"] = double(run.peakRssKb) / 1024.0;

    at::set_num_threads(o.threads);
    auto loaded = lathe::runtime::loadCompiledModel(container.string(), embedding.string(), {}, {});
    if (!loaded) return fail(loaded.error().message);
    const at::Tensor lathe = loaded->decoder->forward(ids);
    at::Tensor ort = at::empty(lathe.sizes(), at::kFloat);
    std::ifstream in(ortLogits, std::ios::binary);
    in.read(static_cast<char*>(ort.data_ptr()), std::streamsize(ort.numel() * 4));
    if (!in) return fail("ONNX Runtime's logits are not [1, 16, vocab]");
    report["top1_agreement"] = ort.argmax(-1).eq(lathe.argmax(-1)).to(at::kDouble).mean().item<double>();
    report["max_logit_difference"] = (ort - lathe).abs().max().item<double>();
    report["mean_logit_difference"] = (ort - lathe).abs().mean().item<double>();
    report["logit_range"] = (lathe.max() - lathe.min()).item<double>();
    if (o.keep)
        report["work_dir"] = root.string();
    else
        fs::remove_all(root, ec);
    std::printf("%s\n", report.dump(2).c_str());
    return 0;
}
