/* 调解室与轮值人员：GET/POST/PATCH /api/mediation-rooms/、/api/duty-officers/；DELETE 归档，POST …/restore/ 恢复。
 * 表单是 <record-form>：400 的字段错误显示在对应字段旁。 */
Platform.page({
  data() {
    return {
      loading: true,
      can: { mediationroom: false, dutyofficer: false },
      showArchived: false,
      rooms: [],
      room: null,
      officers: [],
      officersLoading: false,
      officersArchived: false,
      roomForm: false,
      roomEditing: null,
      officerForm: false,
      officerEditing: null,
    };
  },
  computed: {
    weekdayOptions() { return Platform.choices.weekday || []; },
    roomFields() {
      return [
        { name: "zone", label: "工作区", type: "remote", required: true, readonlyOnEdit: true,
          remote: { url: "/api/zones/", label: (z) => z.name }, initialLabel: (r) => r.zone_name,
          help: "每个工作区一间；只能选择您管辖的工作区。" },
        { name: "name", label: "名称", type: "text", placeholder: "默认：工作区名称 + 轮值调解室", maxlength: 100 },
        { name: "place", label: "地点", type: "text", required: true, maxlength: 200 },
        { name: "phone", label: "值班电话", type: "text", maxlength: 30, help: "调解室的公开值班电话（不是个人号码）" },
        { name: "opening_hours", label: "开放时间", type: "text", maxlength: 100 },
        { name: "open_weekdays", label: "值班日", type: "multiselect", options: this.weekdayOptions, required: true },
        { name: "shifts_per_day", label: "每日班次", type: "select", required: true,
          options: [{ value: 1, label: "1 班（全天）" }, { value: 2, label: "2 班（上午、下午）" }, { value: 3, label: "3 班（上午、下午、晚上）" }] },
        { name: "legal_advisers", label: "法律顾问", type: "tags", placeholder: "输入姓名后回车" },
        { name: "volunteers", label: "志愿者", type: "tags", placeholder: "输入姓名或队伍后回车" },
      ];
    },
    officerFields() {
      const zone = this.room ? this.room.zone : null;
      return [
        { name: "name", label: "姓名", type: "text", required: true, maxlength: 50 },
        { name: "kind", label: "身份", type: "select", choices: "officer_kind", required: true },
        { name: "committee_member", label: "工作区党委成员", type: "remote",
          remote: { url: "/api/committee-members/", label: (m) => m.name, params: () => ({ zone }) },
          visible: (f) => ["secretary", "deputy", "committee"].includes(f.kind), help: "关联后，人员信息随党委成员更新" },
        { name: "village_cadre", label: "村干部", type: "remote",
          remote: { url: "/api/village-cadres/", label: (c) => c.name + (c.village_name ? "（" + c.village_name + "）" : ""), params: () => ({ zone }) },
          visible: (f) => f.kind === "village_secretary" },
        { name: "rotation_order", label: "轮值顺序", type: "number", min: 0, max: 999 },
        { name: "weekdays_off", label: "每周休息日", type: "multiselect", options: this.weekdayOptions },
        { name: "dates_off", label: "请假日期", type: "tags", placeholder: "如 2026-12-24，输入后回车" },
        { name: "active", label: "参加轮值", type: "switch", help: "暂停后其未来班次变为无人值班" },
      ];
    },
  },
  async mounted() {
    this.can = await Platform.writableMap(["mediationroom", "dutyofficer"]);
    await this.loadRooms();
  },
  methods: {
    weekdays(list) {
      const names = this.weekdayOptions.map((w) => w.label);
      return (list || []).map((i) => names[i]).join("、") || "—";
    },
    async loadRooms() {
      await this.busy("loading", async () => {
        this.rooms = await Platform.api.all("/api/mediation-rooms/", this.showArchived ? { archived: "true" } : {});
        const keep = this.room && this.rooms.find((r) => r.id === this.room.id);
        this.room = keep || this.rooms[0] || null;
        await this.loadOfficers();
      });
    },
    async pickRoom(row) {
      if (!row || (this.room && row.id === this.room.id)) return;
      this.room = row;
      await this.loadOfficers();
    },
    async loadOfficers() {
      if (!this.room) { this.officers = []; return; }
      await this.busy("officersLoading", async () => {
        const params = { room: this.room.id, ordering: "rotation_order" };
        if (this.officersArchived) params.archived = "true";
        this.officers = await Platform.api.all("/api/duty-officers/", params);
      }, () => (this.officers = []));
    },
    editRoom(row) {
      this.roomEditing = row;
      this.roomForm = true;
    },
    async onRoomSaved(saved) {
      this.room = saved;
      await this.loadRooms();
    },
    async archiveRoom(row) {
      if (await Platform.archiveRecord("/api/mediation-rooms/" + row.id + "/", row.name)) await this.loadRooms();
    },
    async restoreRoom(row) {
      if (await Platform.restoreRecord("/api/mediation-rooms/" + row.id + "/", row.name)) await this.loadRooms();
    },
    editOfficer(row) {
      this.officerEditing = row;
      this.officerForm = true;
    },
    officerBody(data) {
      if (!this.officerEditing) data.room = this.room.id;
      if (!["secretary", "deputy", "committee"].includes(data.kind)) data.committee_member = null;
      if (data.kind !== "village_secretary") data.village_cadre = null;
      return data;
    },
    async archiveOfficer(row) {
      if (await Platform.archiveRecord("/api/duty-officers/" + row.id + "/", row.name)) await this.loadOfficers();
    },
    async restoreOfficer(row) {
      if (await Platform.restoreRecord("/api/duty-officers/" + row.id + "/", row.name)) await this.loadOfficers();
    },
  },
});
