/* 调解室和轮值人员在“调解室与轮值人员”页（/mediation/rooms/）设立和维护。
 * 值班排班：日历（GET /api/duty-shifts/?room&date_after&date_before）、无人值班预警（/gaps/）、
 * 生成排班（POST /api/duty-shifts/generate/）、点两个班次互换（POST /api/duty-shifts/<id>/swap/）。 */
function iso(d) {
  return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
}

Platform.page({
  data() {
    return {
      loading: true,
      rooms: [],
      roomId: null,
      officers: [],
      shifts: [],
      gaps: [],
      shiftsLoading: false,
      month: new Date(),
      picked: null,
      generate: { visible: false, range: null, replace: false, saving: false },
    };
  },
  computed: {
    room() {
      return this.rooms.find((r) => r.id === this.roomId) || null;
    },
    canWrite() {
      return (this.me.writable || []).includes("dutyshift");
    },
    canSetUp() {
      return (this.me.writable || []).includes("mediationroom");
    },
    byDay() {
      const map = {};
      for (const s of this.shifts) (map[s.date] = map[s.date] || []).push(s);
      return map;
    },
  },
  watch: {
    month(value, old) {
      if (!old || value.getMonth() !== old.getMonth() || value.getFullYear() !== old.getFullYear()) this.loadShifts();
    },
  },
  async mounted() {
    try {
      this.rooms = await Platform.api.all("/api/mediation-rooms/");
      if (this.rooms.length) {
        this.roomId = this.rooms[0].id;
        await this.onRoomChange();
      }
    } finally {
      this.loading = false;
    }
  },
  methods: {
    async onRoomChange() {
      this.picked = null;
      this.officers = await Platform.api.all("/api/duty-officers/", { room: this.roomId, active: "true", ordering: "rotation_order" }).catch(() => []);
      await this.loadShifts();
    },
    async loadShifts() {
      if (!this.roomId) return;
      const first = new Date(this.month.getFullYear(), this.month.getMonth(), 1);
      const start = new Date(first);
      start.setDate(start.getDate() - 7);
      const end = new Date(this.month.getFullYear(), this.month.getMonth() + 1, 7);
      await this.busy("shiftsLoading", async () => {
        const [shifts, gaps] = await Promise.all([
          Platform.api.all("/api/duty-shifts/", { room: this.roomId, date_after: iso(start), date_before: iso(end) }),
          Platform.api.get("/api/duty-shifts/gaps/", { room: this.roomId, days: 14 }),
        ]);
        this.shifts = shifts;
        this.gaps = gaps;
      });
    },
    cellShifts(day) {
      const list = (this.byDay[day] || []).map((s) => Object.assign({ key: s.id }, s));
      for (const g of this.gaps) {
        if (g.date === day && g.shift === null) {
          list.push({ key: "gap-" + g.slot, id: null, slot: g.slot, slot_label: g.slot_label, officer: null, officer_name: null });
        }
      }
      return list.sort((a, b) => a.slot - b.slot);
    },
    weekdays(list) {
      const names = (Platform.choices.weekday || []).map((w) => w.label);
      return (list || []).map((i) => names[i]).join("、") || "—";
    },
    async onShiftClick(s) {
      if (!this.canWrite || !s.id) return;
      if (!this.picked) {
        this.picked = s;
        return;
      }
      if (this.picked.id === s.id) {
        this.picked = null;
        return;
      }
      try {
        await Platform.api.post("/api/duty-shifts/" + this.picked.id + "/swap/", { other: s.id });
        ElementPlus.ElMessage({ type: "success", message: "已互换：" + this.picked.date + " ⇄ " + s.date });
        await this.loadShifts();
      } catch (e) {
        /* the reason (e.g. 同一人一天只值一班) is shown by the API client */
      } finally {
        this.picked = null;
      }
    },
    openGenerate() {
      const today = new Date();
      const end = new Date(today);
      end.setDate(end.getDate() + 30);
      this.generate = { visible: true, range: [iso(today), iso(end)], replace: false, saving: false };
    },
    async submitGenerate() {
      const g = this.generate;
      if (!g.range) return;
      await Platform.busy(g, "saving", async () => {
        const result = await Platform.api.post("/api/duty-shifts/generate/", {
          room: this.roomId, start: g.range[0], end: g.range[1], replace: g.replace,
        });
        ElementPlus.ElMessage({ type: result.uncovered ? "warning" : "success",
          message: "已生成 " + result.created + " 个班次" + (result.uncovered ? "，其中 " + result.uncovered + " 个无人值班" : "") });
        g.visible = false;
        this.rooms = await Platform.api.all("/api/mediation-rooms/");
        await this.loadShifts();
      });
    },
  },
});
