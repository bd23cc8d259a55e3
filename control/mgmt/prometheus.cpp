// The Prometheus text exposition writer (format 0.0.4).
#include "control/mgmt/prometheus.hpp"

#include <cmath>
#include <cstdio>

namespace vp::ctl::prom {

namespace {

bool name_char(char c, bool first, bool colon) {
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (alpha || (colon && c == ':')) return true;
    return !first && c >= '0' && c <= '9';
}

bool valid_name(std::string_view name, bool colon) {
    if (name.empty()) return false;
    for (size_t i = 0; i < name.size(); ++i)
        if (!name_char(name[i], i == 0, colon)) return false;
    return true;
}

} // namespace

bool valid_metric_name(std::string_view name) {
    return valid_name(name, true);
}

bool valid_label_name(std::string_view name) {
    return valid_name(name, false) && !name.starts_with("__");
}

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string escape_help(std::string_view help) {
    std::string out;
    out.reserve(help.size());
    for (char c : help) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

bool Writer::family(std::string_view name, Type type, std::string_view help) {
    current_.clear();
    std::string n(name);
    if (!valid_metric_name(name)) {
        errors_.push_back("invalid metric name '" + n + "'");
        return false;
    }
    if (type == Type::Counter && !name.ends_with("_total")) {
        errors_.push_back("counter '" + n + "' does not end in _total");
        return false;
    }
    if (!names_.insert(n).second) {
        errors_.push_back("metric '" + n + "' written twice");
        return false;
    }
    current_ = n;
    text_ += "# HELP " + n + " " + escape_help(help) + "\n";
    text_ += "# TYPE " + n + (type == Type::Counter ? " counter\n" : " gauge\n");
    return true;
}

bool Writer::labels_ok(const Label* first, size_t count) {
    if (current_.empty()) {
        errors_.push_back("sample without a family");
        return false;
    }
    for (size_t i = 0; i < count; ++i) {
        if (!valid_label_name(first[i].name)) {
            errors_.push_back(current_ + ": invalid label name '" + std::string(first[i].name) +
                              "'");
            return false;
        }
        for (size_t j = 0; j < i; ++j)
            if (first[j].name == first[i].name) {
                errors_.push_back(current_ + ": label '" + std::string(first[i].name) +
                                  "' given twice");
                return false;
            }
    }
    return true;
}

void Writer::write_sample(const Label* first, size_t count, const std::string& value) {
    if (!labels_ok(first, count)) return;
    text_ += current_;
    if (count) {
        text_ += '{';
        for (size_t i = 0; i < count; ++i) {
            if (i) text_ += ',';
            text_ += first[i].name;
            text_ += "=\"";
            text_ += escape_label_value(first[i].value);
            text_ += '"';
        }
        text_ += '}';
    }
    text_ += ' ';
    text_ += value;
    text_ += '\n';
}

void Writer::sample(uint64_t value, std::initializer_list<Label> labels) {
    write_sample(labels.begin(), labels.size(), std::to_string(value));
}

void Writer::sample(uint64_t value, const std::vector<Label>& labels) {
    write_sample(labels.data(), labels.size(), std::to_string(value));
}

void Writer::sample(double value, std::initializer_list<Label> labels) {
    std::string text;
    if (std::isnan(value)) {
        text = "NaN";
    } else if (std::isinf(value)) {
        text = value > 0 ? "+Inf" : "-Inf";
    } else {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.17g", value);
        text = buf;
    }
    write_sample(labels.begin(), labels.size(), text);
}

} // namespace vp::ctl::prom
