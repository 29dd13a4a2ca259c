/* The header's global search box (base.html): GET /api/search/?q=… — households, party members, villages and
 * dispute cases within the user's scope, grouped by kind. Arrow keys and Enter (or a click) open a result;
 * Enter with none highlighted opens the first. Below 768 px it folds into an icon button (platform.css).
 */
(function () {
  "use strict";

  const KINDS = [["households", "户"], ["members", "党员"], ["villages", "村/社区"], ["cases", "矛盾纠纷"]];
  const PHONE_QUERY = "(max-width: 767.98px)";

  Platform.component("PfGlobalSearch", {
    data() {
      return { q: "", open: false, hits: [], hitsFor: "" };
    },
    mounted() {
      // Element Plus points aria-activedescendant at "…-item--1" while no option is highlighted: an id that
      // does not exist (axe: aria-valid-attr-value). Drop it whenever it is set so.
      const input = this.$el.querySelector("input");
      const clean = () => {
        const value = input.getAttribute("aria-activedescendant");
        if (value && value.endsWith("--1")) input.removeAttribute("aria-activedescendant");
      };
      clean();
      this.observer = new MutationObserver(clean);
      this.observer.observe(input, { attributes: true, attributeFilter: ["aria-activedescendant"] });
    },
    beforeUnmount() {
      if (this.observer) this.observer.disconnect();
    },
    methods: {
      fetch(query, callback) {
        const q = (query || "").trim();
        if (!q || q.length > 50) {
          callback([]);
          return;
        }
        Platform.api.get("/api/search/", { q }, { quiet: true }).then((data) => {
          const rows = [];
          for (const [kind, label] of KINDS) {
            (data[kind] || []).forEach((hit, i) => rows.push(Object.assign({ kind: label, first: i === 0 }, hit)));
          }
          this.hits = rows;
          this.hitsFor = q;
          callback(rows);
        }).catch(() => callback([]));
      },
      onSelect(item) {
        if (item && item.url) window.location.href = item.url;
        else if (this.hits.length && this.hitsFor === this.q.trim()) window.location.href = this.hits[0].url;
      },
      toggle() {
        this.open = !this.open;
        if (this.open) this.$nextTick(() => this.$refs.box.focus());
      },
      onEscape() {
        if (this.open && window.matchMedia(PHONE_QUERY).matches) {
          this.open = false;
          this.$nextTick(() => this.$refs.toggle.focus());
        }
      },
    },
    template: `
<div class="pf-search" :class="{ 'is-open': open }" role="search" data-testid="global-search">
  <el-autocomplete ref="box" v-model="q" class="pf-search-box" :fetch-suggestions="fetch" :trigger-on-focus="false"
                   :debounce="250" select-when-unmatched value-key="title" placeholder="搜索户、党员、村、案件"
                   aria-label="全局搜索：户主、党员、村/社区、案件（名称、拼音首字母或住址）" maxlength="50"
                   popper-class="pf-search-popper" :fit-input-width="false" @select="onSelect" @keydown.esc="onEscape">
    <template #prefix><el-icon aria-hidden="true"><icon-search></icon-search></el-icon></template>
    <template #default="{ item }">
      <div v-if="item.first" class="pf-search-group">[[ item.kind ]]</div>
      <div class="pf-search-hit"><span class="pf-search-title">[[ item.title ]]</span><span class="pf-search-sub">[[ item.subtitle ]]</span></div>
    </template>
  </el-autocomplete>
  <button type="button" ref="toggle" class="pf-search-toggle" :aria-expanded="open ? 'true' : 'false'"
          :aria-label="open ? '关闭搜索' : '打开搜索'" data-testid="search-toggle" @click="toggle">
    <el-icon aria-hidden="true"><icon-close v-if="open"></icon-close><icon-search v-else></icon-search></el-icon>
  </button>
</div>`,
  });
})();
