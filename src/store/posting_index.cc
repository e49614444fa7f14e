// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "store/posting_index.h"

#include <algorithm>
#include <iterator>
#include <mutex>

namespace trail {

namespace {
std::string Key(char kind, std::string_view v) {
  std::string k;
  k.reserve(v.size() + 1);
  k.push_back(kind);
  k.append(v);
  return k;
}
}  // namespace

std::string SubjectKey(std::string_view subject) { return Key('s', subject); }
std::string ActorKey(std::string_view actor) { return Key('a', actor); }
std::string IpKey(std::string_view ip) { return Key('i', ip); }
std::string TagKey(std::string_view tag) { return Key('t', tag); }
std::string TagPrefixKey(std::string_view prefix) { return Key('p', prefix); }

void IndexKeysOf(std::string_view tag, std::string_view subject, std::string_view actor,
                 std::string_view ip, std::vector<std::string>* keys) {
  // Reuses the strings already in *keys: this runs for every event on the writer thread.
  size_t n = 0;
  auto put = [&](char kind, std::string_view v) {
    if (n == keys->size()) keys->emplace_back();
    std::string& k = (*keys)[n++];
    k.assign(1, kind);
    k.append(v);
  };
  if (!subject.empty()) put('s', subject);
  if (!actor.empty()) put('a', actor);
  if (!ip.empty()) put('i', ip);
  put('t', tag);
  for (size_t i = tag.find(':'); i != std::string_view::npos; i = tag.find(':', i + 1))
    put('p', tag.substr(0, i + 1));
  keys->resize(n);
}

std::string EncodePostings(const std::vector<uint64_t>& seqs) {
  std::string out;
  out.reserve(seqs.size() * 2);
  uint64_t prev = 0;
  for (size_t i = 0; i < seqs.size(); ++i) {
    uint64_t d = i == 0 ? seqs[i] : seqs[i] - prev;
    prev = seqs[i];
    while (d >= 0x80) {
      out.push_back(static_cast<char>((d & 0x7f) | 0x80));
      d >>= 7;
    }
    out.push_back(static_cast<char>(d));
  }
  return out;
}

bool DecodePostings(std::string_view blob, std::vector<uint64_t>* seqs) {
  seqs->clear();
  uint64_t prev = 0;
  size_t i = 0;
  bool first = true;
  while (i < blob.size()) {
    uint64_t v = 0;
    int shift = 0;
    while (true) {
      if (i >= blob.size() || shift > 63) return false;
      uint8_t b = static_cast<uint8_t>(blob[i++]);
      if (shift == 63 && b > 1) return false;  // bits past 2^64
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
      shift += 7;
    }
    uint64_t seq = first ? v : prev + v;
    if (!first && (v == 0 || seq < prev)) return false;  // strictly ascending, no wrap-around
    seqs->push_back(seq);
    prev = seq;
    first = false;
  }
  return true;
}

void PostingIndex::Reset(uint64_t first_open_segment) {
  std::unique_lock l(mu_);
  first_open_ = first_open_segment;
  end_ = SegmentStart(first_open_segment);
  open_.clear();
  entries_ = 0;
}

void PostingIndex::Add(uint64_t seq, const std::vector<std::string>& keys) {
  std::unique_lock l(mu_);
  auto [it, fresh] = open_.try_emplace(SegmentOf(seq));
  Lists& lists = it->second;
  if (fresh) lists.reserve(size_t{1} << std::min(bits_ + 1, 20));
  for (const auto& k : keys) lists[k].push_back(seq);
  entries_ += keys.size();
}

void PostingIndex::Publish(uint64_t end) {
  std::unique_lock l(mu_);
  end_ = end;
}

const PostingIndex::Lists* PostingIndex::Sealable() const {
  std::shared_lock l(mu_);
  if (end_ < SegmentStart(first_open_ + 1)) return nullptr;
  auto it = open_.find(first_open_);
  static const Lists kEmpty;
  return it == open_.end() ? &kEmpty : &it->second;
}

void PostingIndex::DropSealed() {
  std::unique_lock l(mu_);
  auto it = open_.find(first_open_);
  if (it != open_.end()) {
    for (const auto& [k, v] : it->second) entries_ -= v.size();
    open_.erase(it);
  }
  ++first_open_;
}

void PostingIndex::RemoveKey(const std::string& key) {
  std::unique_lock l(mu_);
  for (auto& [seg, lists] : open_) {
    auto it = lists.find(key);
    if (it == lists.end()) continue;
    entries_ -= it->second.size();
    lists.erase(it);
  }
}

void PostingIndex::RemoveSeqs(const std::string& key, const std::vector<uint64_t>& seqs) {
  std::unique_lock l(mu_);
  for (auto& [seg, lists] : open_) {
    auto it = lists.find(key);
    if (it == lists.end()) continue;
    std::vector<uint64_t> kept;
    kept.reserve(it->second.size());
    std::set_difference(it->second.begin(), it->second.end(), seqs.begin(), seqs.end(),
                        std::back_inserter(kept));
    entries_ -= it->second.size() - kept.size();
    if (kept.empty()) {
      lists.erase(it);
    } else {
      it->second = std::move(kept);
    }
  }
}

PostingIndex::View PostingIndex::Snapshot(const std::vector<std::string>& keys) const {
  View v;
  std::shared_lock l(mu_);
  v.end = end_;
  v.first_open_segment = first_open_;
  for (const auto& k : keys) {
    if (v.lists.count(k)) continue;  // a key may be asked for twice (query and access filter)
    auto& out = v.lists[k];
    for (const auto& [seg, lists] : open_) {
      auto it = lists.find(k);
      if (it == lists.end()) continue;
      // Lists may hold seqs at or past end_ (added, not yet published): cut them off.
      auto stop = std::lower_bound(it->second.begin(), it->second.end(), end_);
      out.insert(out.end(), it->second.begin(), stop);
    }
  }
  return v;
}

size_t PostingIndex::memory_entries() const {
  std::shared_lock l(mu_);
  return entries_;
}

}  // namespace trail
