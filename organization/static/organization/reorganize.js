/* 区划调整：工作区迁到其他街道(镇)（区级，POST /api/zones/<id>/move/），村/社区迁到其他工作区（POST /api/villages/<id>/move/），微网格迁到其他自然村（POST /api/grids/<id>/move/）。
   先“预览”（apply=false：迁移涉及的数量），再“确认调整”（apply=true，一个事务）。选择项只列出管辖范围内的（列表 API 已按范围过滤）。 */

/** One move as a form: the node, the target (fields: remote selects), 预览 and 确认调整, the API's answer. */
Platform.component("MoveForm", {
  props: {
    kind: { type: String, required: true }, // the move's name in ids and test ids: village | grid
    fields: { type: Array, required: true }, // [{name, label, url, text(row): an option's text, params(form), dependsOn, help, errorKeys: [...]}]
    moveUrl: { type: Function, required: true }, // (form) -> the move's address
    body: { type: Function, required: true }, // (form, apply) -> the request body
    labels: { type: Object, required: true }, // the answer's keys -> labels
  },
  data() {
    const form = {};
    for (const f of this.fields) form[f.name] = null;
    return { form, options: {}, loadingOf: {}, errors: {}, general: [], answer: null, previewed: null, working: false };
  },
  computed: {
    ready() {
      return this.fields.every((f) => f.optional || this.form[f.name] != null);
    },
    key() {
      return JSON.stringify(this.form);
    },
    /** The preview still matches the form: 确认调整 applies what was previewed. */
    canApply() {
      return !!(this.answer && !this.answer.applied && this.previewed === this.key);
    },
    rows() {
      if (!this.answer) return [];
      return Object.keys(this.labels).filter((k) => k !== "applied" && k in this.answer)
        .map((k) => ({ key: k, label: this.labels[k], value: this.answer[k] }));
    },
  },
  methods: {
    inputId(f) {
      return "mv-" + this.kind + "-" + f.name;
    },
    async search(f, query) {
      this.loadingOf[f.name] = true;
      try {
        const params = Object.assign({ q: query || undefined, page_size: 30 }, f.params ? f.params(this.form) : {});
        const page = await Platform.api.get(f.url, params, { quiet: true });
        this.options[f.name] = (page.results || page).map((r) => ({ value: r.id, label: f.text(r) }));
      } catch (e) {
        this.options[f.name] = [];
      } finally {
        this.loadingOf[f.name] = false;
      }
    },
    changed(f) {
      // a field another depends on (the target village of a natural village) clears its dependants
      for (const other of this.fields) {
        if (other.dependsOn === f.name) {
          this.form[other.name] = null;
          this.options[other.name] = [];
        }
      }
      this.errors = {};
      this.general = [];
    },
    errorOf(f) {
      const keys = [f.name].concat(f.errorKeys || []);
      // the API names its own field ("目标工作区ID：…", "自然村：…"): beside the field, its label says it
      return keys.filter((k) => k in this.errors)
        .map((k) => Platform.fieldMessages(this.errors[k], "").split("；").map((m) => m.replace(/^[^：]{1,12}：/, "")).join("；"))
        .join("；");
    },
    async run(apply) {
      this.errors = {};
      this.general = [];
      this.working = true;
      const key = this.key;
      try {
        const answer = await Platform.api.post(this.moveUrl(this.form), this.body(this.form, apply), { quiet: true });
        this.answer = answer;
        this.previewed = key;
        if (apply) {
          ElementPlus.ElMessage({ type: "success", message: "调整完成。" });
          this.$emit("saved", answer);
        }
      } catch (e) {
        this.answer = null;
        if (e.status === 400 && e.data && typeof e.data === "object") {
          const named = new Set(this.fields.flatMap((f) => [f.name].concat(f.errorKeys || [])));
          for (const [name, value] of Object.entries(e.data)) {
            if (named.has(name)) this.errors[name] = value;
            else this.general.push(Platform.fieldMessages(value, ""));
          }
        } else {
          this.general = e.messages && e.messages.length ? e.messages : ["操作失败。"];
        }
      } finally {
        this.working = false;
      }
    },
  },
  template: `
    <div :data-testid="'move-' + kind">
      <el-alert v-if="general.length" type="error" :closable="false" show-icon class="pf-form-alert" role="alert">
        <div v-for="(m, i) in general" :key="i">[[ m ]]</div>
      </el-alert>
      <el-form label-position="top" class="pf-record-form pf-move-form" @submit.prevent="run(false)" novalidate>
        <el-form-item v-for="f in fields" :key="f.name" :label="f.label" :for="inputId(f)" :error="errorOf(f)" :required="!f.optional">
          <el-select v-model="form[f.name]" :id="inputId(f)" filterable remote clearable :remote-method="(q) => search(f, q)"
                     :loading="loadingOf[f.name]" :placeholder="f.placeholder || '输入名称搜索'" :disabled="!!f.dependsOn && form[f.dependsOn] == null"
                     @visible-change="(v) => v && search(f, '')" @change="changed(f)" style="width: 100%">
            <el-option v-for="o in options[f.name] || []" :key="o.value" :label="o.label" :value="o.value"></el-option>
          </el-select>
          <div v-if="f.help" class="pf-form-help">[[ f.help ]]</div>
        </el-form-item>
        <div class="pf-move-buttons">
          <el-button native-type="submit" :disabled="!ready" :loading="working && !canApply" :data-testid="'move-' + kind + '-preview'">预览</el-button>
          <el-button type="primary" :disabled="!canApply" :loading="working && canApply" @click="run(true)" :data-testid="'move-' + kind + '-apply'">确认调整</el-button>
        </div>
      </el-form>
      <div v-if="answer" class="pf-move-answer" :data-testid="'move-' + kind + '-answer'" aria-live="polite">
        <el-alert :type="answer.applied ? 'success' : 'info'" :closable="false" show-icon
                  :title="answer.applied ? '已调整' : '预览：以下数据将随之迁移，确认后执行'"></el-alert>
        <el-descriptions :column="1" border class="pf-descriptions">
          <el-descriptions-item v-for="r in rows" :key="r.key" :label="r.label">[[ r.value ]]</el-descriptions-item>
        </el-descriptions>
      </div>
    </div>`,
});

Platform.page({
  data() {
    const labels = Platform.pageData.labels || {};
    return {
      labels,
      district: false, // a zone moves to another town only by the district (towns are the district's to write)
      zoneFields: [
        { name: "zone", label: "要迁移的工作区", url: "/api/zones/", text: (z) => z.name + "（" + z.town_name + "）" },
        { name: "town", label: "目标街道(镇)", url: "/api/towns/", text: (t) => t.name, errorKeys: ["target"],
          help: "工作区连同其村/社区、户和党组织一起迁入。" },
      ],
      villageFields: [
        { name: "village", label: "要迁移的村/社区", url: "/api/villages/", text: (v) => v.name + "（" + v.zone_name + "）" },
        { name: "zone", label: "目标工作区", url: "/api/zones/", text: (z) => z.name + "（" + z.town_name + "）",
          errorKeys: ["target"], help: "村/社区连同其自然村、网格、户和党组织一起迁入。" },
      ],
      gridFields: [
        { name: "grid", label: "要迁移的微网格", url: "/api/grids/",
          text: (g) => g.name + (g.worker_name ? "·" + g.worker_name : "") + "（" + g.natural_village_name + "）" },
        { name: "village", label: "目标村/社区", url: "/api/villages/", text: (v) => v.name + "（" + v.zone_name + "）",
          help: "先选村/社区，再选其下的自然村。" },
        { name: "natural_village", label: "目标自然村", url: "/api/natural-villages/", dependsOn: "village",
          params: (form) => ({ village: form.village }), text: (n) => n.name, errorKeys: ["target"] },
      ],
    };
  },
  async mounted() {
    const who = await Platform.me();
    this.district = (who.assignments || []).some((a) => a.role === "district_admin");
  },
  methods: {
    zoneUrl: (form) => "/api/zones/" + form.zone + "/move/",
    zoneBody: (form, apply) => ({ town: form.town, apply }),
    villageUrl: (form) => "/api/villages/" + form.village + "/move/",
    villageBody: (form, apply) => ({ zone: form.zone, apply }),
    gridUrl: (form) => "/api/grids/" + form.grid + "/move/",
    gridBody: (form, apply) => ({ natural_village: form.natural_village, apply }),
  },
});
