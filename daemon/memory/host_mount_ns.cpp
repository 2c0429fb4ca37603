#include "memory/host_mount_ns.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/read_file.h"

namespace llm::memory {
namespace {

bool same_namespace()
{
    struct stat self {}, init {};
    if (stat("/proc/self/ns/mnt", &self) != 0 || stat("/proc/1/ns/mnt", &init) != 0)
        return true;  // cannot tell: act in place
    return self.st_ino == init.st_ino && self.st_dev == init.st_dev;
}

}  // namespace

std::optional<std::string> in_host_mount_ns(const std::function<std::optional<std::string>()>& fn)
{
    if (same_namespace())
        return fn();
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0)
        return std::string("pipe: ") + std::strerror(errno);
    pid_t child = fork();
    if (child < 0) {
        int err = errno;
        close(pipefd[0]);
        close(pipefd[1]);
        return std::string("fork: ") + std::strerror(err);
    }
    if (child == 0) {
        close(pipefd[0]);
        std::string msg;
        int ns = open("/proc/1/ns/mnt", O_RDONLY | O_CLOEXEC);
        if (ns < 0 || setns(ns, CLONE_NEWNS) != 0)
            msg = std::string("cannot enter the host's mount namespace (/proc/1/ns/mnt): ") + std::strerror(errno) +
                  "; the unit needs CAP_SYS_CHROOT and RestrictNamespaces= allowing mnt";
        else if (auto err = fn())
            msg = *err;
        if (!msg.empty() && write(pipefd[1], msg.data(), msg.size()) < 0)
            _exit(2);
        _exit(msg.empty() ? 0 : 1);
    }
    close(pipefd[1]);
    std::string msg;
    char buf[512];
    ssize_t n;
    while ((n = read(pipefd[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0)
            msg.append(buf, static_cast<size_t>(n));
    close(pipefd[0]);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (!msg.empty())
        return msg;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return "the mount helper process failed (status " + std::to_string(status) + ")";
    return std::nullopt;
}

std::string host_mountinfo()
{
    int err = 0;
    if (auto text = util::read_file("/proc/1/mountinfo", &err))
        return *text;
    return util::read_file("/proc/self/mountinfo", &err).value_or("");
}

}  // namespace llm::memory
