// Compile throughput and memory: `lathe compile --bit w4` on a synthetic model with the exact shapes of
// Llama-3.2-1B, or of 3.2-3B / 3.1-8B with --shape (bf16 safetensors, seeded random weights, 8 calibration samples of
// 512 tokens made of its own
// embedding rows), run as a child process so its wall time and peak RSS are its own. The machine's fp32 GEMM peak
// is measured in the same run with the same thread count, and the compile's achieved GFLOP/s is an analytic count
// of the arithmetic the compiler must do (docs/compiler.md, "Benchmark") over its wall time. Prints one JSON object.
//
// usage: bench_compile [--shape 1b|3b|8b] [--layers N] [--threads N] [--samples N] [--seq-len N] [--bit MODE]
//                      [--work-dir DIR] [--keep] [--skip-compile]
//   --shape S        the model's shapes: 1b (Llama-3.2-1B, default), 3b (Llama-3.2-3B), 8b (Llama-3.1-8B, untied
//                    head); also spelled llama3-1b, llama3-3b, llama3-8b
//   --layers N       decoder layers of the synthetic model (default: the shape's; fewer layers give a streaming
//                    proof, with per-layer time and memory projected to the shape's full depth in the JSON)
//   --threads N      compute threads for the compiler and the GEMM peak (default: all hardware threads)
//   --work-dir DIR   where the temporary folder goes (default: the build folder); it is deleted unless --keep
//   --skip-compile   only write the model and measure the GEMM peak (prints the model folder with --keep)
#include "SyntheticLlama.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using lathe::bench::llamaShape;
using lathe::bench::SyntheticLlamaSpec;

// The arithmetic of one compile, by kind (docs/compiler.md, "Benchmark"). `minimal` counts what the compiler must
// do to produce its outputs and report; `asRun` counts what the current implementation executes (one factorisation
// per linear or head block, dense R2 and rotated-embedding products).
struct CompileFlops {
    double forward = 0;    // linear layers over calibration tokens (float stream, quantized stream, measurements)
    double attention = 0;  // QKᵀ and PV of every calibration sample, full S×S as a batched GEMM computes them
    double hessian = 0;    // XᵀX per distinct linear input, and X̃ᵀX for the float-output target
    double target = 0;     // the float-output target W* (quant/FloatTarget.h): one factor, then M or a solve
    double gptq = 0;       // the column sweep with lazy block updates
    double cholesky = 0;   // (H + λI)⁻¹'s upper Cholesky factor: cholesky, cholesky_inverse, cholesky
    double rotation = 0;   // R1/R2 applied to weights, calibration inputs and the embedding
    double total() const { return forward + attention + hessian + target + gptq + cholesky + rotation; }
    nlohmann::ordered_json json() const
    {
        return {{"forward", forward}, {"attention", attention}, {"hessian", hessian},   {"target", target},
                {"gptq", gptq},       {"cholesky", cholesky},   {"rotation", rotation}, {"total", total()}};
    }
};

struct FlopCounts {
    CompileFlops minimal, asRun;
};

FlopCounts compileFlops(const SyntheticLlamaSpec& s, bool rotated)
{
    const double T = double(s.samples) * double(s.sampleTokens), S = double(s.sampleTokens), L = s.layers;
    const double h = double(s.hidden), a = double(s.heads * s.headDim), kv = double(s.kvHeads * s.headDim);
    const double F = double(s.intermediate), V = double(s.vocab), d = double(s.headDim);
    const double B = 128;  // GPTQ block size
    const double headBlocks = std::ceil(V / std::max(1.0, std::floor(double(int64_t{1} << 24) / h)));
    auto sweep = [B](double out, double in) { return out * in * (in + B); };
    auto factor = [](double in) { return 4.0 / 3.0 * in * in * in; };
    // n·log₂n per vector: exact for these power-of-two widths (a Paley factor K would add 2·K·n more).
    auto fwht = [](double rows, double n) { return rows * n * std::log2(n); };
    // The float-output target (quant/FloatTarget.h). Cross form: Cholesky of H + λI, then M = (H + λI)⁻¹(G − H)
    // and W·Mᵀ for many rows, or a solve per row for few. Residual form (down_proj): R = X̃ᵀ(X − X̃)Wᵀ over the
    // calibration tokens, then the Cholesky and one solve.
    auto fitCross = [](double in, double rows) {
        return in * in * in / 3 + (rows >= in ? 2 * in * in * in + 2 * in * in * rows : 4 * in * in * rows);
    };
    auto fitResidual = [T](double in, double rows) {
        return 4 * T * in * rows + in * in * in / 3 + 2 * in * in * rows;
    };

    const double qkv = h * (a + 2 * kv), o = a * h, gateUp = 2 * h * F, down = F * h;
    const double attentionPerPass = double(s.samples) * 4 * S * S * a;
    const double hessianPerLayer = 2 * T * (h * h + a * a + h * h + F * F);
    const double gptqPerLayer = sweep(a, h) + 2 * sweep(kv, h) + sweep(h, a) + 2 * sweep(F, h) + sweep(h, F);
    const double hessianHead = 2 * T * h * h, gptqHead = sweep(V, h), logits = 2 * T * h * V;

    FlopCounts c;
    CompileFlops& m = c.minimal;
    // Every linear three times: the float stream, the quantized stream, and the quantized linear on float inputs
    // (the report's isolated error); attention in both streams; the head's logits the same three ways.
    m.forward = L * 3 * 2 * T * (qkv + o + gateUp + down) + 3 * logits;
    m.attention = L * 2 * attentionPerPass;
    // The Hessian, and the cross-covariance with the float stream's inputs for every input but down_proj's.
    m.hessian = L * (hessianPerLayer + 2 * T * (2 * h * h + a * a)) + 2 * hessianHead;
    m.target = L * (fitCross(h, a + 2 * kv) + fitCross(a, h) + fitCross(h, 2 * F) + fitResidual(F, h)) + fitCross(h, V);
    m.gptq = L * gptqPerLayer + gptqHead;
    // One factorisation per distinct Hessian: q/k/v, o, gate/up, down, head.
    m.cholesky = L * (2 * factor(h) + factor(a) + factor(F)) + factor(h);
    if (rotated) {
        // Walsh–Hadamard transforms (n log n per vector): residual readers and writers, values (R2), head, the
        // rotated embedding and the calibration inputs.
        m.rotation = L * (fwht(a + 2 * kv + 2 * F, h) + fwht(h, a + F) + fwht(kv / d * h + h * a / d, d)) +
                     2 * fwht(V, h) + fwht(T, h);
    }

    CompileFlops& r = c.asRun;
    // Every linear runs three times, as counted above (the passes that measure o_proj and down_proj read the inputs
    // kept by the passes that observed them), and attention in both streams once.
    r.forward = m.forward;
    r.attention = m.attention;
    r.hessian = m.hessian;
    r.target = m.target;
    r.gptq = m.gptq;
    r.cholesky = L * (3 * factor(h) + factor(a) + 2 * factor(h) + factor(F)) + headBlocks * factor(h);
    if (rotated) {
        // R1 as Walsh–Hadamard transforms (quant/Rotation.h) on the weights, the head and the calibration inputs;
        // dense products for R2 per kv head and query head, and for the rotated embedding (the reference flow's
        // formula, whose bytes rotate-embedding must reproduce).
        r.rotation = L * (fwht(a + 2 * kv + 2 * F, h) + fwht(h, a + F) + 2 * kv * d * h + 2 * h * a * d) + fwht(V, h) +
                     2 * V * h * h + fwht(T, h);
    }
    return c;
}

double secondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

struct Options {
    SyntheticLlamaSpec spec;
    std::string shape = "1b";
    int fullLayers = 16;  // the shape's depth, for the projection
    int threads = 0;
    std::string bitMode = "w4";
    fs::path workDir = LATHE_BENCH_WORK_DIR;
    bool keep = false;
    bool skipCompile = false;
};

bool parseOptions(int argc, char** argv, Options& o)
{
    // The shape first: --layers and the other options then change the spec it gives, in any order.
    for (int i = 1; i + 1 < argc; ++i)
        if (std::string(argv[i]) == "--shape") o.shape = argv[i + 1];
    auto shape = llamaShape(o.shape);
    if (!shape) {
        std::fprintf(stderr, "bench_compile: %s\n", shape.error().message.c_str());
        return false;
    }
    o.spec = *shape;
    o.shape = o.spec.shape;
    o.fullLayers = o.spec.layers;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool hasValue = i + 1 < argc;
        if (a == "--keep") o.keep = true;
        else if (a == "--shape" && hasValue)
            ++i;
        else if (a == "--skip-compile" || a == "--skip_compile") o.skipCompile = true;
        else if (a == "--layers" && hasValue) o.spec.layers = std::atoi(argv[++i]);
        else if (a == "--threads" && hasValue) o.threads = std::atoi(argv[++i]);
        else if (a == "--samples" && hasValue) o.spec.samples = std::atoi(argv[++i]);
        else if ((a == "--seq-len" || a == "--seq_len") && hasValue) o.spec.sampleTokens = std::atoll(argv[++i]);
        else if (a == "--bit" && hasValue) o.bitMode = argv[++i];
        else if ((a == "--work-dir" || a == "--work_dir") && hasValue) o.workDir = argv[++i];
        else {
            std::fprintf(stderr, "bench_compile: unknown or incomplete option %s\n", a.c_str());
            return false;
        }
    }
    if (o.spec.layers < 1 || o.spec.samples < 1 || o.spec.sampleTokens < 1 || o.threads < 0) {
        std::fprintf(stderr, "bench_compile: --layers, --samples and --seq-len must be positive\n");
        return false;
    }
    if (o.threads == 0) o.threads = int(std::max(1u, std::thread::hardware_concurrency()));
    return true;
}

// Best fp32 at::mm rate for n×n matrices: the ceiling any dense fp32 stage of the compiler can reach here.
double gemmGflops(int64_t n, int repetitions)
{
    at::Generator gen = at::detail::createCPUGenerator(7);
    const at::Tensor a = at::empty({n, n}, at::kFloat).normal_(0, 1, gen);
    const at::Tensor b = at::empty({n, n}, at::kFloat).normal_(0, 1, gen);
    at::Tensor c = at::mm(a, b);  // warm-up: thread pool start, page faults on c
    double best = 0;
    for (int r = 0; r < repetitions; ++r) {
        const auto start = Clock::now();
        at::mm_out(c, a, b);
        best = std::max(best, 2.0 * double(n) * double(n) * double(n) / secondsSince(start) / 1e9);
    }
    return best;
}

std::string loadAverage()
{
    std::ifstream f("/proc/loadavg");
    std::string one, five, fifteen;
    f >> one >> five >> fifteen;
    return one + " " + five + " " + fifteen;
}

// Resident set, its high-water mark and its file-backed part (VmRSS, VmHWM, RssFile: mapped checkpoint pages
// count here) of a running process, in KiB; 0 once it has exited.
struct RssSample {
    long currentKb = 0;
    long peakKb = 0;
    long fileKb = 0;
};

RssSample rssOf(pid_t pid)
{
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    RssSample r;
    for (std::string key; f >> key;) {
        if (key == "VmRSS:") f >> r.currentKb;
        else if (key == "VmHWM:") f >> r.peakKb;
        else if (key == "RssFile:") f >> r.fileKb;
        f.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
    }
    return r;
}

// Time between two progress lines of the child, named for the work it covered, with the largest resident set
// sampled meanwhile. Consecutive intervals of the same work are merged.
struct StageSpan {
    std::string stage;
    double start = 0, seconds = 0;
    long peakRssKb = 0;
    long peakFileKb = 0;  // largest file-backed part sampled
};

struct ChildRun {
    int exitCode = -1;
    double wallSeconds = 0;
    long peakRssKb = 0;     // wait4's ru_maxrss
    long peakHwmKb = 0;     // the child's VmHWM, read every 100 ms until it exits
    long peakFileKb = 0;    // the largest file-backed part of the child's resident set sampled
    long parentRssKb = 0;   // this process's resident set when it forked: a floor under ru_maxrss
    double userSeconds = 0, systemSeconds = 0;
    std::vector<StageSpan> stages;
    std::string tail;  // last lines of output, for error reports
};

// A progress line split into the stage it names and its step counter:
// "layer 3/16: observing o_proj inputs  123/1381 steps  ETA 5m02s" → {"layer 3/16: observing o_proj inputs", 123}.
struct ProgressLine {
    std::string key;
    long long done = -1;  // -1: no counter
};

ProgressLine parseLine(const std::string& line)
{
    static const std::regex counter(R"(\s+(\d+)(/\d+)?\s+[a-z]+(\s+ETA\s+\S+)?\s*$)");
    std::smatch m;
    if (!std::regex_search(line, m, counter)) return {line, -1};
    return {line.substr(0, size_t(m.position(0))), std::stoll(m[1].str())};
}

// The same step of every layer under one name: "layer 3/16: quantized model.layers.2.mlp.down_proj" →
// "layer: quantized mlp.down_proj".
std::string stepKind(const std::string& stage)
{
    static const std::regex layer(R"(layer \d+/\d+)"), module(R"(model\.layers\.\d+\.)"),
        rows(R"(rows \d+\.\.\d+)");
    return std::regex_replace(std::regex_replace(std::regex_replace(stage, layer, "layer"), module, ""), rows, "rows");
}

// Follows the child's progress. The compiler reports a finished step with an advanced counter ("quantized X",
// "observing ... 5/111") and the start of work without one ("loading weights"); lines closer than 200 ms are not
// drawn. So the time up to a line that advanced the counter belongs to that line's step, the time after a line
// that did not belongs to that line's work, and the time between a finished step and a start report belongs to
// unreported work after the step (e.g. saving a finished layer), named "before <start report>".
class StageTracker {
public:
    explicit StageTracker(ChildRun& run) : m_run(run) {}

    void line(std::string text, double t, long rssKb)
    {
        // The CLI redraws its progress line with "\r\033[K"; only the text matters.
        for (size_t p; (p = text.find("\033[K")) != std::string::npos;) text.erase(p, 3);
        while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) text.pop_back();
        if (text.empty()) return;
        std::fprintf(stderr, "[%7.1fs %6.0f MB] %s\n", t, rssKb / 1024.0, text.c_str());
        m_run.tail += text + "\n";
        if (m_run.tail.size() > 4000) m_run.tail.erase(0, m_run.tail.size() - 4000);

        const ProgressLine current = parseLine(text);
        const bool advanced = current.done >= 0 && current.done > m_previous.done;
        const bool previousAdvanced = m_previousAdvanced;
        std::string label = !previousAdvanced && m_started ? m_previous.key
                            : advanced                       ? current.key
                                                             : "before " + current.key;
        if (!m_started) label = "start";
        close(label, t);
        m_previous = current;
        m_previousAdvanced = advanced;
        m_started = true;
        m_peakKb = rssKb;
        m_peakFileKb = 0;
    }

    void sample(const RssSample& rss)
    {
        m_peakKb = std::max(m_peakKb, rss.currentKb);
        m_peakFileKb = std::max(m_peakFileKb, rss.fileKb);
    }

    // The child exited: the time after its last line belongs to that line's work.
    void finish(double t) { close(m_previousAdvanced ? "after " + m_previous.key : m_previous.key, t); }

private:
    void close(const std::string& label, double t)
    {
        auto& stages = m_run.stages;
        if (!stages.empty() && stages.back().stage == label) {
            stages.back().seconds = t - stages.back().start;
            stages.back().peakRssKb = std::max(stages.back().peakRssKb, m_peakKb);
            stages.back().peakFileKb = std::max(stages.back().peakFileKb, m_peakFileKb);
        } else {
            stages.push_back({label, m_lastTime, t - m_lastTime, m_peakKb, m_peakFileKb});
        }
        m_lastTime = t;
    }

    ChildRun& m_run;
    ProgressLine m_previous;
    bool m_previousAdvanced = false;
    bool m_started = false;
    double m_lastTime = 0;
    long m_peakKb = 0;
    long m_peakFileKb = 0;
};

// Runs `args` with stdout and stderr on a pseudo-terminal (the CLI draws progress only on a terminal),
// sampling its resident set every 100 ms. fork+exec rather than posix_spawn: a vfork-style spawn hands the
// parent's lifetime peak RSS to the child's ru_maxrss, while fork starts the child's count at the parent's
// current RSS.
ChildRun runChild(const std::vector<std::string>& args)
{
    ChildRun run;
    const int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
        run.tail = "cannot open a pseudo-terminal";
        return run;
    }
    const std::string slave = ptsname(master);
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    run.parentRssKb = rssOf(getpid()).currentKb;

    const auto start = Clock::now();
    const pid_t pid = fork();
    if (pid == 0) {
        // Only async-signal-safe calls between fork and exec.
        const int in = open("/dev/null", O_RDONLY), term = open(slave.c_str(), O_RDWR | O_NOCTTY);
        if (in < 0 || term < 0 || dup2(in, 0) < 0 || dup2(term, 1) < 0 || dup2(term, 2) < 0) _exit(127);
        close(master);
        std::signal(SIGINT, SIG_DFL);  // the bench ignores Ctrl+C so that the compiler can stop cleanly
        execv(argv[0], argv.data());
        _exit(127);
    }
    if (pid < 0) {
        close(master);
        run.tail = std::string("cannot start ") + argv[0] + ": " + std::strerror(errno);
        return run;
    }

    StageTracker tracker(run);
    std::string pending;
    long lastRss = 0;
    int status = 0;
    rusage usage{};
    for (;;) {
        pollfd fd{master, POLLIN, 0};
        const int ready = poll(&fd, 1, 100);
        const double t = secondsSince(start);
        if (const RssSample rss = rssOf(pid); rss.currentKb > 0) {
            lastRss = rss.currentKb;
            run.peakHwmKb = std::max(run.peakHwmKb, rss.peakKb);
            run.peakFileKb = std::max(run.peakFileKb, rss.fileKb);
            tracker.sample(rss);
        }
        if (ready > 0) {
            char buffer[4096];
            const ssize_t n = read(master, buffer, sizeof buffer);
            if (n > 0) {
                pending.append(buffer, size_t(n));
                for (size_t p; (p = pending.find_first_of("\r\n")) != std::string::npos;) {
                    tracker.line(pending.substr(0, p), t, lastRss);
                    pending.erase(0, p + 1);
                }
                // A redrawn line has no terminator until the next one starts; each is one write, so take it now.
                tracker.line(pending, t, lastRss);
                pending.clear();
                continue;
            }
            // EIO: the child closed the terminal's last slave descriptor (it exited).
        }
        const pid_t done = wait4(pid, &status, ready > 0 ? 0 : WNOHANG, &usage);
        if (done == pid) break;
    }
    run.wallSeconds = secondsSince(start);
    tracker.finish(run.wallSeconds);
    close(master);
    run.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (run.exitCode == 127 && run.tail.empty()) run.tail = std::string("cannot run ") + argv[0];
    run.peakRssKb = usage.ru_maxrss;
    run.userSeconds = double(usage.ru_utime.tv_sec) + usage.ru_utime.tv_usec / 1e6;
    run.systemSeconds = double(usage.ru_stime.tv_sec) + usage.ru_stime.tv_usec / 1e6;
    return run;
}

// Every stage in order, and the time and peak memory of each kind of step summed over layers (largest first).
nlohmann::ordered_json stagesJson(const std::vector<StageSpan>& stages, nlohmann::ordered_json& totals)
{
    struct Kind {
        double seconds = 0;
        long peakRssKb = 0;
        long peakFileKb = 0;
        int count = 0;
    };
    std::map<std::string, Kind> kinds;
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    for (const StageSpan& span : stages) {
        rows.push_back({{"stage", span.stage},
                        {"start_s", span.start},
                        {"seconds", span.seconds},
                        {"peak_rss_mb", span.peakRssKb / 1024.0},
                        {"peak_file_mb", span.peakFileKb / 1024.0}});
        Kind& k = kinds[stepKind(span.stage)];
        k.seconds += span.seconds;
        k.peakRssKb = std::max(k.peakRssKb, span.peakRssKb);
        k.peakFileKb = std::max(k.peakFileKb, span.peakFileKb);
        ++k.count;
    }
    std::vector<std::pair<std::string, Kind>> sorted(kinds.begin(), kinds.end());
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second.seconds > b.second.seconds; });
    totals = nlohmann::ordered_json::array();
    for (const auto& [name, k] : sorted)
        totals.push_back({{"step", name}, {"seconds", k.seconds}, {"times", k.count}, {"peak_rss_mb", k.peakRssKb / 1024.0},
                          {"peak_file_mb", k.peakFileKb / 1024.0}});
    return rows;
}

// Time and peak memory of each decoder layer (the stages named "layer <i>/<n>"), and what the run would take at
// `fullLayers` layers: the mean layer time for every layer, plus the work outside the layers (loading, head,
// writing), which does not grow with depth. Peak memory does not grow with depth either, since layers stream.
nlohmann::ordered_json perLayerJson(const std::vector<StageSpan>& stages, double wallSeconds, int fullLayers,
                                    nlohmann::ordered_json& projection)
{
    static const std::regex layerStage(R"(^layer (\d+)/\d+)");
    std::map<int, std::pair<double, long>> layers;  // index -> seconds, peak RSS (kB)
    long otherPeakKb = 0;
    for (const StageSpan& span : stages) {
        std::smatch m;
        if (std::regex_search(span.stage, m, layerStage)) {
            auto& [seconds, peakKb] = layers[std::stoi(m[1].str())];
            seconds += span.seconds;
            peakKb = std::max(peakKb, span.peakRssKb);
        } else {
            otherPeakKb = std::max(otherPeakKb, span.peakRssKb);
        }
    }
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    double layerSeconds = 0;
    long layerPeakKb = 0;
    for (const auto& [index, timing] : layers) {
        rows.push_back({{"layer", index}, {"seconds", timing.first}, {"peak_rss_mb", timing.second / 1024.0}});
        layerSeconds += timing.first;
        layerPeakKb = std::max(layerPeakKb, timing.second);
    }
    if (!layers.empty()) {
        const double mean = layerSeconds / double(layers.size());
        projection = {{"layers", fullLayers},
                      {"mean_layer_s", mean},
                      {"outside_layers_s", wallSeconds - layerSeconds},
                      {"wall_s", mean * fullLayers + (wallSeconds - layerSeconds)},
                      {"peak_rss_mb", std::max(layerPeakKb, otherPeakKb) / 1024.0}};
    }
    return rows;
}

}  // namespace

int main(int argc, char** argv)
{
    Options o;
    if (!parseOptions(argc, argv, o)) return 2;
    lathe::bench::chooseTokenizer(o.spec, LATHE_SOURCE_DIR, LATHE_SHARED_DATA);

    std::error_code ec;
    fs::create_directories(o.workDir, ec);
    std::string pattern = (o.workDir / "bench_compile.XXXXXX").string();
    if (!mkdtemp(pattern.data())) {
        std::fprintf(stderr, "bench_compile: cannot create a folder under %s: %s\n", o.workDir.c_str(),
                     std::strerror(errno));
        return 1;
    }
    const fs::path root = pattern;

    nlohmann::ordered_json report{{"benchmark", "compile"},
                                  {"model", "synthetic " + o.spec.name + " shapes, bf16, seeded random weights"},
                                  {"shape", o.shape},
                                  {"layers", o.spec.layers},
                                  {"full_layers", o.fullLayers},
                                  {"bit", o.bitMode},
                                  {"samples", o.spec.samples},
                                  {"sample_tokens", o.spec.sampleTokens},
                                  {"threads", o.threads},
                                  {"tokenizer", o.spec.tokenizerDir.string()},
                                  {"load_average_at_start", loadAverage()}};
    int exitCode = 0;

    at::set_num_threads(o.threads);
    const auto generateStart = Clock::now();
    auto files = lathe::bench::writeSyntheticLlama(root, o.spec);
    const double generateSeconds = secondsSince(generateStart);
    if (!files) {
        std::fprintf(stderr, "bench_compile: %s\n", files.error().message.c_str());
        if (!o.keep) fs::remove_all(root, ec);
        return 1;
    }
    report["generate_s"] = generateSeconds;
    report["model_bytes"] = files->weightBytes;
    report["parameters"] = files->parameters;
    if (o.keep) report["work_dir"] = root.string();

    // A second measurement after the compile: a peak taken while other work held a core would flatter the ratio.
    double gemm2048 = gemmGflops(2048, 8);
    double gemm4096 = gemmGflops(4096, 3);
    report["gemm_gflops_before"] = std::max(gemm2048, gemm4096);

    if (!o.skipCompile) {
        const fs::path savePath = root / "out" / "model.lathe";
        fs::create_directories(savePath.parent_path(), ec);
        const std::vector<std::string> args{LATHE_CLI_PATH,
                                            "compile",
                                            "--model_path",
                                            files->modelDir.string(),
                                            "--calib_data_path",
                                            files->calibDir.string(),
                                            "--save_path",
                                            savePath.string(),
                                            "--bit",
                                            o.bitMode,
                                            "--threads",
                                            std::to_string(o.threads)};
        std::signal(SIGINT, SIG_IGN);  // Ctrl+C stops the child, which exits cleanly; then the folder is removed
        const ChildRun run = runChild(args);
        const FlopCounts flops = compileFlops(o.spec, o.bitMode != "w8");
        gemm2048 = std::max(gemm2048, gemmGflops(2048, 8));
        gemm4096 = std::max(gemm4096, gemmGflops(4096, 3));
        report["load_average_after"] = loadAverage();
        report["exit_code"] = run.exitCode;
        report["wall_s"] = run.wallSeconds;
        report["peak_rss_mb"] = run.peakRssKb / 1024.0;
        report["peak_rss_hwm_mb"] = run.peakHwmKb / 1024.0;
        report["peak_rss_file_mb"] = run.peakFileKb / 1024.0;
        report["bench_rss_at_fork_mb"] = run.parentRssKb / 1024.0;
        report["cpu_user_s"] = run.userSeconds;
        report["cpu_system_s"] = run.systemSeconds;
        // Page faults and memory reclaim are paid in the kernel: how much of the wall time went there.
        report["cpu_system_ratio"] = run.wallSeconds > 0 ? run.systemSeconds / run.wallSeconds : 0.0;
        report["flop_count"] = flops.minimal.total();
        report["flop_count_as_run"] = flops.asRun.total();
        if (run.exitCode == 0) {
            report["achieved_gflops"] = flops.minimal.total() / run.wallSeconds / 1e9;
            report["ratio"] = flops.minimal.total() / run.wallSeconds / 1e9 / std::max(gemm2048, gemm4096);
            // What the implementation executes over the same time: how busy its arithmetic keeps the cores.
            report["executed_gflops"] = flops.asRun.total() / run.wallSeconds / 1e9;
        }
        report["flops"] = {{"minimal", flops.minimal.json()}, {"as_run", flops.asRun.json()}};
        report["compiled_bytes"] = fs::is_regular_file(savePath, ec) ? fs::file_size(savePath, ec) : 0;
        // docs/compiler.md, "Benchmark": 1B shapes within 2 GB at 0.7 of the GEMM peak; 8B shapes within 4.5 GB.
        if (o.shape == "1b") {
            report["goal_peak_rss_mb"] = 2048;
            report["goal_ratio"] = 0.7;
        } else if (o.shape == "8b") {
            report["goal_peak_rss_mb"] = 4608;
        }
        nlohmann::ordered_json totals;
        nlohmann::ordered_json stages = stagesJson(run.stages, totals);
        report["step_totals"] = totals;
        nlohmann::ordered_json projection;
        report["per_layer"] = perLayerJson(run.stages, run.wallSeconds, o.fullLayers, projection);
        report["projected"] = projection;
        report["stages"] = stages;
        if (run.exitCode != 0) {
            report["error"] = run.tail;
            exitCode = 1;
        }
    }

    report["gemm_gflops_2048"] = gemm2048;
    report["gemm_gflops_4096"] = gemm4096;
    report["gemm_peak_gflops"] = std::max(gemm2048, gemm4096);

    if (!o.keep) fs::remove_all(root, ec);
    std::printf("%s\n", report.dump(2).c_str());
    return exitCode;
}
