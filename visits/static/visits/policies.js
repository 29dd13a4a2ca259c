/* 走访策略：GET /api/visit-policies/effective/（现行策略），POST /api/visit-policies/preview/（保存前预览：将变动多少户的
 * 下次走访日期，与保存时的重新安排同一条件），再 POST /api/visit-policies/（新建）或 PATCH /api/visit-policies/<id>/。 */
const POLICY_NUMBERS = ["green_days", "yellow_days", "orange_days", "red_days", "remind_days_before",
  "escalate_grid_days", "escalate_zone_red_days", "escalate_zone_days", "escalate_town_days"];
const POLICY_LISTS = ["green_content", "yellow_content", "orange_content", "red_content"];

Platform.page({
  data() {
    const towns = (Platform.pageData.towns || []).map((t) => ({ key: "t" + t.id, kind: "town", id: t.id, label: t.name + "（全街道）" }));
    const zones = (Platform.pageData.zones || []).map((z) => ({ key: "z" + z.id, kind: "zone", id: z.id, town: z.town_id, label: z.town__name + " · " + z.name }));
    const places = towns.concat(zones);
    return {
      places, place: places[0] || null, current: null, form: {}, loading: false,
      preview: null, previewing: false, saving: false, errors: {}, general: [],
      escalation: [
        { name: "escalate_grid_days", label: "逾期几天告知网格员" },
        { name: "escalate_zone_red_days", label: "红色户逾期几天上报工作区" },
        { name: "escalate_zone_days", label: "其他户逾期几天上报工作区" },
        { name: "escalate_town_days", label: "逾期几天上报街道" },
      ],
    };
  },
  computed: {
    colors() { return Platform.choices.color || []; },
    /** the policy row this place has of its own (edited in place), else null (a new one is created) */
    ownId() {
      if (!this.current || !this.place) return null;
      return this.current.source === this.place.kind ? this.current.policy_id : null;
    },
    sourceText() {
      const c = this.current;
      if (!c) return "";
      if (this.place.kind === "zone") {
        return c.source === "zone" ? "本工作区已单独设定策略（覆盖街道策略）。" :
          "本工作区目前沿用" + (c.source === "town" ? "街道" : "系统默认") + "策略；保存后将为本工作区单独设定。";
      }
      return c.source === "town" ? "全街道策略（单独设定了策略的工作区不受影响）。" : "目前使用系统默认策略；保存后将设定全街道策略。";
    },
    previewTitle() {
      const p = this.preview;
      return p.households ? "保存后将有 " + p.households + " 户的下次走访日期变动" : "保存后没有户的下次走访日期变动";
    },
    previewLines() {
      const p = this.preview;
      const labels = Object.fromEntries(this.colors.map((c) => [c.value, c.label]));
      return this.colors.map((c) => c.value).filter((c) => p.deltas[c]).map((c) =>
        labels[c] + "户：间隔 " + p.before[c] + " → " + p.after[c] + " 天，" + (p.by_color[c] || 0) + " 户" +
        (p.deltas[c] < 0 ? "提前 " + -p.deltas[c] : "推后 " + p.deltas[c]) + " 天");
    },
  },
  mounted() {
    if (this.place) this.loadPolicy();
  },
  methods: {
    placeBody() {
      return this.place.kind === "zone" ? { zone: this.place.id } : { town: this.place.id };
    },
    async loadPolicy() {
      this.preview = null;
      this.errors = {};
      this.general = [];
      await this.busy("loading", async () => {
        const p = await Platform.api.get("/api/visit-policies/effective/", this.placeBody());
        this.current = p;
        const form = {};
        for (const c of ["green", "yellow", "orange", "red"]) {
          form[c + "_days"] = p.intervals[c];
          form[c + "_content"] = (p.content[c] || []).slice();
        }
        for (const name of ["remind_days_before", "escalate_grid_days", "escalate_zone_red_days", "escalate_zone_days", "escalate_town_days"]) {
          form[name] = p[name];
        }
        this.form = form;
      });
    },
    dirty() {
      this.preview = null;
    },
    errorOf(name) {
      return name in this.errors ? Platform.fieldMessages(this.errors[name]) : "";
    },
    body() {
      const body = this.placeBody();
      for (const name of POLICY_NUMBERS.concat(POLICY_LISTS)) body[name] = this.form[name];
      return body;
    },
    showErrors(e) {
      if (e.status === 400 && e.data && typeof e.data === "object") {
        const fields = POLICY_NUMBERS.concat(POLICY_LISTS);
        this.errors = Object.fromEntries(Object.entries(e.data).filter(([k]) => fields.includes(k)));
        this.general = Object.entries(e.data).filter(([k]) => !fields.includes(k)).map(([, v]) => Platform.fieldMessages(v));
      } else {
        this.general = e.messages || ["操作失败。"];
      }
    },
    async runPreview() {
      this.errors = {};
      this.general = [];
      this.previewing = true;
      try {
        this.preview = await Platform.api.post("/api/visit-policies/preview/", this.body(), { quiet: true });
      } catch (e) {
        this.preview = null;
        this.showErrors(e);
      } finally {
        this.previewing = false;
      }
    },
    async save() {
      try {
        await ElementPlus.ElMessageBox.confirm(this.previewTitle + "。确认保存？", "保存走访策略",
          { confirmButtonText: "保存", cancelButtonText: "取消", type: "warning" });
      } catch (e) {
        return;
      }
      this.saving = true;
      try {
        const body = this.body();
        if (this.ownId) {
          delete body.town;
          delete body.zone;
          await Platform.api.patch("/api/visit-policies/" + this.ownId + "/", body, { quiet: true });
        } else {
          await Platform.api.post("/api/visit-policies/", body, { quiet: true });
        }
        ElementPlus.ElMessage({ type: "success", message: "走访策略已保存，" + (this.preview.households ? this.preview.households + " 户的下次走访日期已重新安排。" : "没有户的走访日期变动。") });
        await this.loadPolicy();
      } catch (e) {
        this.showErrors(e);
      } finally {
        this.saving = false;
      }
    },
  },
});
