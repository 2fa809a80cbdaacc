// Download throughput of the Hub client against `curl -o` of the same file from the same loopback mock Hub,
// in the same run, plus the CPU time each side and SHA-256 alone cost. Prints one JSON object.
// On a busy machine the throughput ratio follows the CPU ratio: both sides are then short of CPU, not network.
//
// usage: bench_download [--size-mb N] [--runs N] [--no-verify]
#include "MockHubServer.h"
#include "common/Hashing.h"
#include "lathe/hub/HubClient.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <sys/resource.h>
#include <vector>

using lathe::test::MockHubServer;

namespace {

double cpuSeconds()
{
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

// CPU time of waited-for child processes (curl), user + system.
double childCpuSeconds()
{
    rusage ru{};
    getrusage(RUSAGE_CHILDREN, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : (v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2);
}

// A safetensors file with one F32 tensor of pseudo-random finite floats.
bool writeModel(const QString& dir, qint64 bytes)
{
    const qint64 count = bytes / 4;
    QByteArray header = QStringLiteral("{\"w\":{\"dtype\":\"F32\",\"shape\":[%1],\"data_offsets\":[0,%2]}}")
                            .arg(count).arg(count * 4).toLatin1();
    while (header.size() % 8) header += ' ';
    QFile f(dir + "/model.safetensors");
    if (!f.open(QIODevice::WriteOnly)) return false;
    quint64 n = static_cast<quint64>(header.size());
    f.write(reinterpret_cast<const char*>(&n), 8);
    f.write(header);
    std::vector<quint32> buf(1 << 20);
    quint64 x = 0x9E3779B97F4A7C15ull;
    for (qint64 done = 0; done < count;) {
        const qint64 k = std::min<qint64>(static_cast<qint64>(buf.size()), count - done);
        for (qint64 i = 0; i < k; ++i) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            buf[static_cast<std::size_t>(i)] = 0x3F800000u | static_cast<quint32>(x & 0x007FFFFF);
        }
        f.write(reinterpret_cast<const char*>(buf.data()), k * 4);
        done += k;
    }
    QFile c(dir + "/config.json");
    if (!c.open(QIODevice::WriteOnly)) return false;
    c.write("{\"architectures\":[\"LlamaForCausalLM\"],\"model_type\":\"llama\"}\n");
    return true;
}

}  // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    qint64 sizeMb = 200;
    int runs = 3;
    bool verify = true;
    const QStringList args = app.arguments();
    for (int i = 1; i + 1 < args.size(); ++i) {
        if (args[i] == "--size-mb") sizeMb = args[i + 1].toLongLong();
        if (args[i] == "--runs") runs = args[i + 1].toInt();
    }
    if (args.contains("--no-verify")) verify = false;
    QTemporaryDir work;
    const QString modelDir = work.filePath("model");
    QDir().mkpath(modelDir);
    if (!writeModel(modelDir, sizeMb * 1000 * 1000)) {
        std::fprintf(stderr, "bench_download: cannot write the test model in %s\n", qPrintable(work.path()));
        return 1;
    }
    MockHubServer::Options options;
    options.repos = {{"bench/model", modelDir, MockHubServer::RepoKind::Public}};
    options.shards = 1;
    MockHubServer server(options);
    QString error;
    if (!server.start(&error)) {
        std::fprintf(stderr, "bench_download: %s\n", qPrintable(error));
        return 1;
    }
    const QJsonObject file = server.command("sign model.safetensors").toObject();
    const QString resolveUrl = file["resolve"].toString();
    const qint64 bytes = file["size"].toInteger();

    std::vector<double> curlMBps, curlCpu, ourMBps, ourCpu;
    for (int run = 0; run < runs; ++run) {
        // curl follows the same 302 to the CDN and writes the same bytes, without verifying them.
        const QString curlOut = work.filePath("curl.bin");
        QElapsedTimer t;
        const double child0 = childCpuSeconds();
        t.start();
        const int rc = QProcess::execute("curl", {"-sS", "-L", "-o", curlOut, resolveUrl});
        const double curlS = t.nsecsElapsed() / 1e9;
        curlCpu.push_back(childCpuSeconds() - child0);
        if (rc != 0 || QFileInfo(curlOut).size() != bytes) {
            std::fprintf(stderr, "bench_download: curl failed (exit %d)\n", rc);
            return 1;
        }
        QFile::remove(curlOut);
        curlMBps.push_back(bytes / curlS / 1e6);

        const QString cache = work.filePath(QStringLiteral("cache%1").arg(run));
        lathe::hub::HubConfig config;
        config.endpoint = server.endpoint().toStdString();
        config.cacheDir = cache.toStdString();
        config.implicitToken = false;
        lathe::hub::HubClient client(config);
        const double cpu0 = cpuSeconds();
        t.restart();
        lathe::hub::DownloadOptions download;
        download.verifySha256 = verify;
        auto result = client.downloadModel("bench/model", "main", download, {}, {});
        const double ourS = t.nsecsElapsed() / 1e9;
        ourCpu.push_back(cpuSeconds() - cpu0);
        if (!result) {
            std::fprintf(stderr, "bench_download: %s\n", result.error().message.c_str());
            return 1;
        }
        QDir(cache).removeRecursively();
        ourMBps.push_back(bytes / ourS / 1e6);
    }

    // SHA-256 alone, over the same bytes held in memory.
    QFile f(modelDir + "/model.safetensors");
    f.open(QIODevice::ReadOnly);
    const QByteArray data = f.readAll();
    lathe::Hasher hasher(lathe::Hasher::Kind::Sha256);
    const double h0 = cpuSeconds();
    hasher.update(data.constData(), static_cast<std::size_t>(data.size()));
    const std::string digest = hasher.hexDigest();
    const double shaCpu = cpuSeconds() - h0;

    QJsonObject out;
    out["benchmark"] = "download";
    out["file_bytes"] = bytes;
    out["runs"] = runs;
    out["verify_sha256"] = verify;
    auto arr = [](const std::vector<double>& v) {
        QJsonArray a;
        for (double x : v) a.append(x);
        return a;
    };
    out["curl_MBps"] = arr(curlMBps);
    out["curl_cpu_s"] = arr(curlCpu);
    out["lathe_MBps"] = arr(ourMBps);
    out["lathe_cpu_s"] = arr(ourCpu);
    out["curl_MBps_median"] = median(curlMBps);
    out["lathe_MBps_median"] = median(ourMBps);
    out["ratio_lathe_over_curl"] = median(ourMBps) / median(curlMBps);
    out["curl_cpu_s_median"] = median(curlCpu);
    out["lathe_cpu_s_median"] = median(ourCpu);
    out["sha256_cpu_s"] = shaCpu;
    out["sha256_MBps"] = bytes / shaCpu / 1e6;
    out["sha256_ok"] = digest == file["sha256"].toString().toStdString();
    std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Indented).constData());
    return 0;
}
