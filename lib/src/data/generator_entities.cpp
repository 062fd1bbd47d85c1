// Sentences with every name marked (named-entity recognition data): each name's UTF-8 byte
// span, end-exclusive, its label (person, place, organisation, product) and its entity.
#include <nlohmann/json.hpp>

#include "generator_detail.h"
#include "tinygpt/core/check.h"
#include "world_detail.h"

namespace tinygpt::data {

namespace {

// Appends text and names to a sentence, recording each name's byte span as it goes, so a
// span is right by construction whatever bytes (UTF-8 letters too) come before it.
class SpanBuilder {
 public:
  SpanBuilder& text(std::string_view words) {
    sentence_.text += words;
    return *this;
  }
  SpanBuilder& name(const std::string& name, std::string_view label, const std::string& entity) {
    const int start = static_cast<int>(sentence_.text.size());
    sentence_.text += name;
    sentence_.spans.push_back(
        {start, static_cast<int>(sentence_.text.size()), std::string(label), entity});
    return *this;
  }
  const EntitySentence& sentence() const { return sentence_; }

 private:
  EntitySentence sentence_;
};

// One draw of a sentence. Where a sentence relates entities ("opened a shop in T"), it
// uses the catalogue's relation, so the entity data never contradicts the world; two of
// the templates put a non-ASCII letter before a name.
EntitySentence draw_sentence(const World& world, CounterRng& rng) {
  const std::uint32_t pi = detail::below(rng, world.people.size());
  const std::uint32_t qi = detail::below(rng, world.people.size() - 1);
  const std::uint32_t ti = detail::below(rng, world.towns.size());
  const std::uint32_t ui = detail::below(rng, world.towns.size() - 1);
  const Person& p = world.people[pi];
  const Person& q = world.people[qi >= pi ? qi + 1 : qi];  // anyone but p
  const Town& t = world.towns[ti];
  const Town& u = world.towns[ui >= ti ? ui + 1 : ui];  // another town
  const Product& x = world.products[detail::below(rng, world.products.size())];
  const Company& maker = world.companies[x.maker];
  const Town& workshop = world.towns[maker.town];
  const River& river = world.rivers[t.river];
  const Region& region = world.regions[t.region];
  SpanBuilder b;
  switch (rng.below(9)) {
    case 0:
      b.name(p.name, "person", p.id).text(" met ").name(q.name, "person", q.id);
      b.text(" at the café in ").name(t.name, "place", t.id).text(".");
      break;
    case 1:
      b.name(p.name, "person", p.id).text(" took the train from ").name(t.name, "place", t.id);
      b.text(" to ").name(u.name, "place", u.id).text(".");
      break;
    case 2:
      b.name(maker.name, "organisation", maker.id).text(" opened a new shop in ");
      b.name(workshop.name, "place", workshop.id).text(", near the river ");
      b.name(world.rivers[workshop.river].name, "place", world.rivers[workshop.river].id);
      b.text(".");
      break;
    case 3:
      b.text("The ").name(x.name, "product", x.id).text(" from ");
      b.name(maker.name, "organisation", maker.id).text(" was a gift for ");
      b.name(p.name, "person", p.id).text(".");
      break;
    case 4:
      b.name(p.name, "person", p.id).text(" sailed down the ").name(river.name, "place", river.id);
      b.text(" through ").name(region.name, "place", region.id).text(".");
      break;
    case 5:
      b.text("In ").name(region.name, "place", region.id).text(", everyone knows ");
      b.name(p.name, "person", p.id).text(" and ").name(q.name, "person", q.id).text(".");
      break;
    case 6:
      b.name(p.name, "person", p.id).text(" ate a crêpe in ").name(t.name, "place", t.id);
      b.text(" before trying the ").name(x.name, "product", x.id).text(".");
      break;
    case 7:
      b.name(p.name, "person", p.id).text(" wrote to ").name(maker.name, "organisation", maker.id);
      b.text(" about the ").name(x.name, "product", x.id).text(".");
      break;
    default:
      b.name(q.name, "person", q.id).text(" and ").name(p.name, "person", p.id);
      b.text(" visited the workshop of ").name(maker.name, "organisation", maker.id);
      b.text(" in ").name(workshop.name, "place", workshop.id).text(".");
      break;
  }
  return b.sentence();
}

}  // namespace

std::vector<EntitySentence> make_entity_sentences(const World& world,
                                                  const std::vector<Fact>& facts,
                                                  std::int64_t count) {
  TINYGPT_CHECK(count > 0, "make_entity_sentences: count must be positive, got ", count);
  std::vector<EntitySentence> sentences;
  for (std::int64_t i = 0; i < count; ++i) {
    CounterRng rng(world.seed, RngStream::kWorld, detail::kEntitiesStep,
                   static_cast<std::uint64_t>(i));
    // Draw again while a sentence breaks the held-out rule (a company next to its held-out
    // town, say); most draws pass, so a few tries always suffice.
    EntitySentence sentence = draw_sentence(world, rng);
    for (int attempt = 0; sentence_has_held_out_pair(sentence.text, facts); ++attempt) {
      TINYGPT_CHECK(attempt < 1000, "make_entity_sentences: no sentence passes the held-out rule");
      sentence = draw_sentence(world, rng);
    }
    sentences.push_back(sentence);
  }
  return sentences;
}

std::vector<detail::OutputFile> detail::entities_files(const World& world,
                                                       const std::vector<Fact>& facts,
                                                       std::int64_t size) {
  const std::vector<EntitySentence> sentences =
      make_entity_sentences(world, facts, scaled_count(size, 256, 300));
  KindFiles files;
  for (std::size_t i = 0; i < sentences.size(); ++i) {
    nlohmann::ordered_json record;
    record["id"] = "entities:" + std::to_string(i);
    record["text"] = sentences[i].text;
    record["spans"] = nlohmann::ordered_json::array();
    for (const EntitySpan& span : sentences[i].spans) {
      record["spans"].push_back({{"start", span.start},
                                 {"end", span.end},
                                 {"label", span.label},
                                 {"entity", span.entity}});
    }
    files.add(record, sentences[i].text + "\n");
  }
  return files.files("entities");
}

}  // namespace tinygpt::data
