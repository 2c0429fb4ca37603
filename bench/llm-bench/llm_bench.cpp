// SPDX-License-Identifier: GPL-2.0-only
// llm-bench: a workload shaped like LLM training and inference, for
// comparing schedulers and memory setups side by side.
//
// Training: N worker threads share a weight matrix (allocated through the
// project's huge-page API), shaped like a pipeline at steady state: in each
// step half the workers run a forward pass over their rows (a matrix
// product with a small batch) while the other half run a backward pass
// (the transposed product plus a weight update: about twice the forward
// work), and every worker switches phase at the next step. Workers mark
// their phase with llm_phase_set(), so llm_sched can hold forward and
// backward threads on their own CPUs. A step ends when the slowest worker
// is done, as in synchronous training: one delayed thread delays everyone.
//
// Inference: a decode loop; each token is one forward pass (batch 1) over
// all the weights, split across the workers. Per-token latency is measured.
//
// Reports step p50/p99/max, tokens/s and per-token p99, faults, context
// switches and CPU migrations, as a table and (--json FILE) as JSON. The
// first --warmup iterations (default 2) are run but not measured; faults
// count from before the allocation.
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "llm_schedd/hugemem.h"
#include "llm_schedd/phase.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
    std::string mode = "train";
    unsigned threads = 4;
    size_t weights_mb = 64;
    unsigned steps = 30;
    unsigned tokens = 200;
    unsigned batch = 4;
    std::string memory = "auto";  // auto|hugetlbfs|hugetlb|thp|4k
    std::string hugetlbfs;
    std::string json;
    bool phases = true;
    double duration_s = 0;  // run until this many seconds have passed (0: --steps / --tokens)
    unsigned warmup = 2;    // first iterations, not measured: thread start, first classification, caches
};

[[noreturn]] void usage(const char* argv0)
{
    std::fprintf(stderr,
                 "usage: %s [--mode train|infer] [--threads N] [--weights-mb M] [--steps S | --duration SEC]\n"
                 "          [--tokens T] [--batch B] [--memory auto|hugetlbfs|hugetlb|thp|4k] [--hugetlbfs DIR]\n"
                 "          [--warmup N] [--no-phases] [--json FILE]\n",
                 argv0);
    std::exit(2);
}

Options parse(int argc, char** argv)
{
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc)
                usage(argv[0]);
            return argv[++i];
        };
        if (a == "--mode") o.mode = next();
        else if (a == "--threads") o.threads = static_cast<unsigned>(std::stoul(next()));
        else if (a == "--weights-mb") o.weights_mb = std::stoul(next());
        else if (a == "--steps") o.steps = static_cast<unsigned>(std::stoul(next()));
        else if (a == "--duration") o.duration_s = std::stod(next());
        else if (a == "--warmup") o.warmup = static_cast<unsigned>(std::stoul(next()));
        else if (a == "--tokens") o.tokens = static_cast<unsigned>(std::stoul(next()));
        else if (a == "--batch") o.batch = static_cast<unsigned>(std::stoul(next()));
        else if (a == "--memory") o.memory = next();
        else if (a == "--hugetlbfs") o.hugetlbfs = next();
        else if (a == "--json") o.json = next();
        else if (a == "--no-phases") o.phases = false;
        else usage(argv[0]);
    }
    if ((o.mode != "train" && o.mode != "infer") || o.threads == 0 || o.weights_mb == 0 || o.batch == 0)
        usage(argv[0]);
    return o;
}

double percentile(std::vector<double> v, double p)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    auto idx = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size()))) - 1;
    return v[std::min(idx, v.size() - 1)];
}

// Migrations of one thread as the kernel counts them (CONFIG_SCHED_DEBUG);
// -1 if the file is not there.
long kernel_migrations(pid_t tid)
{
    std::ifstream f("/proc/self/task/" + std::to_string(tid) + "/sched");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("se.nr_migrations", 0) == 0)
            return std::atol(line.substr(line.find(':') + 1).c_str());
    return -1;
}

class Barrier {
public:
    explicit Barrier(unsigned n) { pthread_barrier_init(&b_, nullptr, n); }
    ~Barrier() { pthread_barrier_destroy(&b_); }
    void wait() { pthread_barrier_wait(&b_); }

private:
    pthread_barrier_t b_;
};

struct Worker {
    size_t row0 = 0, rows = 0;
    pid_t tid = 0;
    long cpu_changes = 0;  // sampled at phase boundaries
    int last_cpu = -1;
    void sample_cpu()
    {
        int c = sched_getcpu();
        if (last_cpu >= 0 && c != last_cpu)
            ++cpu_changes;
        last_cpu = c;
    }
};

}  // namespace

int main(int argc, char** argv)
{
    Options o = parse(argc, argv);
    const size_t cols = 1024;  // a layer's width
    size_t bytes = o.weights_mb << 20;
    size_t rows = bytes / (cols * sizeof(float));

    unsigned flags = LLM_HUGEMEM_POPULATE;
    const char* dir = o.hugetlbfs.empty() ? nullptr : o.hugetlbfs.c_str();
    if (o.memory == "4k") flags |= LLM_HUGEMEM_NO_HUGETLB | LLM_HUGEMEM_NO_THP;
    else if (o.memory == "thp") flags |= LLM_HUGEMEM_NO_HUGETLB;
    else if (o.memory == "hugetlb") dir = "";
    rusage ru0{};
    getrusage(RUSAGE_SELF, &ru0);
    auto t_alloc = Clock::now();
    llm_hugemem mem{};
    if (int err = llm_hugemem_alloc(&mem, bytes, dir, flags); err) {
        std::fprintf(stderr, "llm-bench: cannot allocate %zu MiB of weights: %s\n", o.weights_mb, std::strerror(-err));
        return 1;
    }
    double alloc_ms = std::chrono::duration<double, std::milli>(Clock::now() - t_alloc).count();
    if (o.memory == "hugetlbfs" && mem.kind != LLM_HUGEMEM_HUGETLBFS) {
        std::fprintf(stderr, "llm-bench: wanted hugetlbfs pages, got %s\n", llm_hugemem_kind_name(mem.kind));
        return 1;
    }
    auto* w = static_cast<float*>(mem.addr);
    for (size_t i = 0; i < rows * cols; i += 97)
        w[i] = static_cast<float>(i % 13) * 0.01f;

    unsigned n = o.threads;
    std::vector<Worker> workers(n);
    for (unsigned t = 0; t < n; ++t) {
        workers[t].row0 = rows * t / n;
        workers[t].rows = rows * (t + 1) / n - workers[t].row0;
    }
    const unsigned batch = o.mode == "infer" ? 1 : o.batch;
    std::vector<float> x(cols * batch, 0.5f), dy(rows * batch, 0.25f), y(rows * batch), dx_part(n * cols * batch);
    Barrier start(n + 1), done(n + 1);
    std::atomic<unsigned> step_no{0};
    std::atomic<bool> stop{false};
    std::atomic<double> sink{0};

    auto forward = [&](Worker& me) {
        for (size_t r = me.row0; r < me.row0 + me.rows; ++r) {
            const float* wr = w + r * cols;
            for (unsigned b = 0; b < batch; ++b) {
                const float* xb = x.data() + b * cols;
                float acc = 0;
                for (size_t c = 0; c < cols; ++c)
                    acc += wr[c] * xb[c];
                y[r * batch + b] = acc;
            }
        }
    };
    // dx = W^T dy (read W), then W -= lr * dy x^T (read and write W).
    auto backward = [&](Worker& me, unsigned t) {
        float* dx = dx_part.data() + t * cols * batch;
        std::fill(dx, dx + cols * batch, 0.0f);
        for (size_t r = me.row0; r < me.row0 + me.rows; ++r) {
            float* wr = w + r * cols;
            for (unsigned b = 0; b < batch; ++b) {
                float g = dy[r * batch + b];
                float* dxb = dx + b * cols;
                for (size_t c = 0; c < cols; ++c)
                    dxb[c] += wr[c] * g;
            }
            float g0 = dy[r * batch] * 1e-6f;
            for (size_t c = 0; c < cols; ++c)
                wr[c] -= g0 * x[c];
        }
    };

    std::vector<std::thread> pool;
    for (unsigned t = 0; t < n; ++t) {
        pool.emplace_back([&, t] {
            Worker& me = workers[t];
            me.tid = static_cast<pid_t>(gettid());
            for (;;) {
                start.wait();
                if (stop.load())
                    break;
                bool fwd = o.mode == "infer" || (t + step_no.load()) % 2 == 0;
                // Decoding is not a training phase: inference threads stay
                // unmarked and use the class's default CPUs.
                if (o.phases && o.mode == "train")
                    llm_phase_set(fwd ? LLM_PHASE_FORWARD : LLM_PHASE_BACKWARD);
                me.sample_cpu();
                if (fwd)
                    forward(me);
                else
                    backward(me, t);
                // Mark the next step's phase before blocking, so the wake-up
                // already lands on a CPU of that phase instead of starting
                // on the old one and being moved at the next tick.
                if (o.phases && o.mode == "train")
                    llm_phase_set(!fwd ? LLM_PHASE_FORWARD : LLM_PHASE_BACKWARD);
                done.wait();
            }
            if (o.phases)
                llm_phase_set(LLM_PHASE_NONE);
        });
    }

    std::vector<double> step_ms;
    for (unsigned i = 0; i < o.warmup; ++i) {
        step_no = i;
        start.wait();
        done.wait();
    }
    auto t0 = Clock::now();
    unsigned iterations = o.mode == "train" ? o.steps : o.tokens;
    for (unsigned i = 0;; ++i) {
        if (o.duration_s > 0 ? std::chrono::duration<double>(Clock::now() - t0).count() >= o.duration_s : i >= iterations)
            break;
        auto s = Clock::now();
        step_no = i + o.warmup;
        start.wait();
        done.wait();
        step_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - s).count());
        sink = sink + static_cast<double>(y[i % y.size()]);
    }
    double wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
    long kmig = 0;
    bool have_kmig = true;
    for (auto& wk : workers) {
        long m = kernel_migrations(wk.tid);
        have_kmig = have_kmig && m >= 0;
        kmig += std::max(m, 0L);
    }
    stop = true;
    start.wait();
    for (auto& th : pool)
        th.join();
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    long sampled = 0;
    for (auto& wk : workers)
        sampled += wk.cpu_changes;

    double p50 = percentile(step_ms, 50), p99 = percentile(step_ms, 99);
    double mx = step_ms.empty() ? 0 : *std::max_element(step_ms.begin(), step_ms.end());
    double per_s = static_cast<double>(step_ms.size()) / wall_s;
    long migrations = have_kmig ? kmig : sampled;
    const char* unit = o.mode == "train" ? "step" : "token";
    std::printf("llm-bench %s: %u threads, %zu MiB weights on %s pages (%zu B), %zu %ss in %.2f s\n", o.mode.c_str(), n,
                o.weights_mb, llm_hugemem_kind_name(mem.kind), mem.page_size, step_ms.size(), unit, wall_s);
    std::printf("  %s ms: p50 %.2f  p99 %.2f  max %.2f   %s/s %.2f\n", unit, p50, p99, mx, unit, per_s);
    std::printf("  faults: minor %ld major %ld   context switches: voluntary %ld involuntary %ld   migrations %ld%s\n",
                ru.ru_minflt - ru0.ru_minflt, ru.ru_majflt - ru0.ru_majflt, ru.ru_nvcsw - ru0.ru_nvcsw,
                ru.ru_nivcsw - ru0.ru_nivcsw, migrations, have_kmig ? "" : " (sampled at phase boundaries)");
    if (!o.json.empty()) {
        FILE* f = std::fopen(o.json.c_str(), "w");
        if (!f) {
            std::perror(o.json.c_str());
            return 1;
        }
        std::fprintf(f,
                     "{\"mode\": \"%s\", \"threads\": %u, \"weights_mb\": %zu, \"memory\": \"%s\", \"page_size\": %zu, "
                     "\"alloc_ms\": %.3f, \"iterations\": %zu, \"wall_s\": %.3f, \"p50_ms\": %.3f, \"p99_ms\": %.3f, "
                     "\"max_ms\": %.3f, \"per_s\": %.3f, \"minflt\": %ld, \"majflt\": %ld, \"vcsw\": %ld, "
                     "\"ivcsw\": %ld, \"migrations\": %ld, \"migrations_source\": \"%s\"}\n",
                     o.mode.c_str(), n, o.weights_mb, llm_hugemem_kind_name(mem.kind), mem.page_size, alloc_ms,
                     step_ms.size(), wall_s, p50, p99, mx, per_s, ru.ru_minflt - ru0.ru_minflt,
                     ru.ru_majflt - ru0.ru_majflt, ru.ru_nvcsw - ru0.ru_nvcsw, ru.ru_nivcsw - ru0.ru_nivcsw, migrations,
                     have_kmig ? "kernel" : "sampled");
        std::fclose(f);
    }
    llm_hugemem_free(&mem);
    return sink.load() == 12345.678 ? 3 : 0;  // keeps the products from being optimized away
}
