// Driver for fuzz targets when they are not linked with libFuzzer (the default gcc build, and the
// sanitizer build in CI): replays every file of the corpus directories given as arguments, then
// runs a fixed number of deterministic mutations of them (bit flips, truncations, insertions,
// splices) so that each CI run exercises more than the seeds. `-runs=N` overrides the number of
// mutations. Crashes and sanitizer reports fail the test.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<std::vector<uint8_t>> load_corpus(int argc, char** argv, long& runs) {
    std::vector<std::vector<uint8_t>> corpus;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg.rfind("-runs=", 0) == 0) {
            runs = std::strtol(arg.c_str() + 6, nullptr, 10);
            continue;
        }
        std::filesystem::path p(arg);
        std::vector<std::filesystem::path> files;
        if (std::filesystem::is_directory(p)) {
            for (auto& e : std::filesystem::recursive_directory_iterator(p))
                if (e.is_regular_file()) files.push_back(e.path());
        } else if (std::filesystem::is_regular_file(p)) {
            files.push_back(p);
        }
        for (auto& f : files) {
            std::ifstream in(f, std::ios::binary);
            corpus.emplace_back(std::istreambuf_iterator<char>(in),
                                std::istreambuf_iterator<char>());
        }
    }
    return corpus;
}

void mutate(std::vector<uint8_t>& data, const std::vector<std::vector<uint8_t>>& corpus,
            std::mt19937_64& rng) {
    int steps = 1 + static_cast<int>(rng() % 4);
    for (int s = 0; s < steps; ++s) {
        switch (rng() % 6) {
        case 0: // flip a bit
            if (!data.empty()) data[rng() % data.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
            break;
        case 1: // set a byte to an interesting value
            if (!data.empty()) {
                static const uint8_t interesting[] = {0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe};
                data[rng() % data.size()] = interesting[rng() % sizeof interesting];
            }
            break;
        case 2: // truncate
            if (!data.empty()) data.resize(rng() % data.size());
            break;
        case 3: // insert random bytes
        {
            size_t at = data.empty() ? 0 : rng() % (data.size() + 1);
            size_t n = 1 + rng() % 16;
            for (size_t k = 0; k < n; ++k)
                data.insert(data.begin() + static_cast<long>(at), static_cast<uint8_t>(rng()));
            break;
        }
        case 4: // splice with another corpus entry
            if (!corpus.empty()) {
                auto& other = corpus[rng() % corpus.size()];
                size_t keep = data.empty() ? 0 : rng() % data.size();
                data.resize(keep);
                size_t from = other.empty() ? 0 : rng() % other.size();
                data.insert(data.end(), other.begin() + static_cast<long>(from), other.end());
            }
            break;
        default: // overwrite a 16/32-bit field with an extreme value
            if (data.size() >= 4) {
                size_t at = rng() % (data.size() - 3);
                uint32_t v = (rng() & 1) ? 0xffffffffu : static_cast<uint32_t>(rng() % 4096);
                std::memcpy(&data[at], &v, (rng() & 1) ? 2 : 4);
            }
            break;
        }
    }
}

} // namespace

int main(int argc, char** argv) {
    long runs = 20000;
    auto corpus = load_corpus(argc, argv, runs);
    for (auto& input : corpus)
        LLVMFuzzerTestOneInput(input.data(), input.size());
    std::mt19937_64 rng(0x5eed);
    std::vector<uint8_t> scratch;
    for (long i = 0; i < runs; ++i) {
        if (corpus.empty() || rng() % 8 == 0) {
            scratch.resize(rng() % 512);
            for (auto& b : scratch)
                b = static_cast<uint8_t>(rng());
        } else {
            scratch = corpus[rng() % corpus.size()];
        }
        mutate(scratch, corpus, rng);
        LLVMFuzzerTestOneInput(scratch.data(), scratch.size());
    }
    std::printf("replayed %zu corpus inputs and %ld mutations\n", corpus.size(), runs);
    return 0;
}
