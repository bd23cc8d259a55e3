// The Prometheus text exposition format 0.0.4 (what node_exporter's textfile collector and a
// Prometheus scrape read): metric families with `# HELP` and `# TYPE` lines, samples with
// escaped label values. Pure text, no I/O: control/mgmt/metrics.cpp fills it from the appliance.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace vp::ctl::prom {

enum class Type : uint8_t { Counter, Gauge };

struct Label {
    std::string_view name;
    std::string_view value;
};

// [a-zA-Z_:][a-zA-Z0-9_:]* (metric names) and [a-zA-Z_][a-zA-Z0-9_]* without a leading "__"
// (label names, the "__" prefix being Prometheus's own).
bool valid_metric_name(std::string_view name);
bool valid_label_name(std::string_view name);
// Label values escape '\\', '"' and newline; HELP text escapes '\\' and newline.
std::string escape_label_value(std::string_view value);
std::string escape_help(std::string_view help);

// Writes families in the order they are begun. A counter's name must end in "_total" (the
// convention promtool checks), a name may be begun only once, and samples belong to the family
// begun last. A family or sample that breaks these rules is left out and recorded in errors()
// (the collectors are this program's own code: the unit tests keep errors() empty).
class Writer {
public:
    bool family(std::string_view name, Type type, std::string_view help);
    void sample(uint64_t value, std::initializer_list<Label> labels = {});
    void sample(double value, std::initializer_list<Label> labels = {});
    // Only for per-session series and other label sets built at run time.
    void sample(uint64_t value, const std::vector<Label>& labels);

    const std::string& text() const { return text_; }
    const std::vector<std::string>& errors() const { return errors_; }

private:
    bool labels_ok(const Label* first, size_t count);
    void write_sample(const Label* first, size_t count, const std::string& value);

    std::string text_;
    std::string current_; // the family samples go to ("" when none or it was refused)
    std::set<std::string> names_;
    std::vector<std::string> errors_;
};

} // namespace vp::ctl::prom
