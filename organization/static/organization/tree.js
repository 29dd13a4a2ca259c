/* 层级树：GET /api/tree/?level=&parent=，逐级懒加载。 */
Platform.page({
  data() {
    return {
      treeProps: {
        label: "name",
        children: "subnodes", // the API's `children` is a count, not the child list
        isLeaf: (data) => !data.child_level || data.children === 0,
      },
      levelSpec: {
        town: { label: "街道(镇)", tag: "danger", filter: null },
        zone: { label: "工作区", tag: "warning", filter: "zone" },
        village: { label: "村/社区", tag: "success", filter: "village" },
        natural_village: { label: "自然村", tag: "primary", filter: null },
        grid: { label: "微网格", tag: "info", filter: "grid" },
      },
    };
  },
  methods: {
    async loadNode(node, resolve) {
      const params = node.level === 0 ? { level: "town" } : { level: node.data.child_level, parent: node.data.id };
      try {
        const rows = await Platform.api.get("/api/tree/", params);
        resolve(rows.map((row) => Object.assign({ key: row.level + ":" + row.id }, row)));
      } catch (e) {
        resolve([]);
      }
    },
  },
});
