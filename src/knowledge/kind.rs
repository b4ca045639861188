//! The document type of a report, from its title (and first lines).
//!
//! A report is exactly one [`Kind`]. [`classify`] decides it with a table of rules, `RULES`,
//! evaluated in the table's order; the first row that matches decides. The table is grouped by
//! where a row looks, and the groups come in this order:
//!
//! 1. **Dateline**: a news dateline opening the text (`本报讯`, `新华社…电`, `央视网消息`). It is
//!    the outermost wrapper: a news item reporting that a 通知 was issued or a 讲话 given is a
//!    新闻报道, whatever its headline ends with (`国务院办公厅批转…的意见`).
//! 2. **Title suffix**: the type word the title *ends* with. A Chinese title names its type
//!    last (`关于印发《…实施方案》的通知` is a 通知, `…述职述廉报告` a 述职报告), so the outer type
//!    wins. The title is first reduced to its outer form (`outer_title`): the embedded titles
//!    in `《…》` and the column tags in `【…】` are removed, and so are trailing brackets
//!    (`（试行）`, `（第12次）`), quotes and web-page noise (`范文`, `3篇`). Among suffix rows a
//!    longer suffix comes before any shorter one it ends with (`述职…报告` before `报告`), and
//!    news headlines that end in a type word come first (`…出席…并讲话`). The title before a
//!    `——` subtitle gets a second chance when the whole title ends in no type word.
//! 3. **First lines**: other openings that give the type away when the title does not:
//!    `同志们：` opening a speech, `敬爱的党组织` opening a report to the party.
//! 4. **Title contains**: a phrase anywhere in the outer title: a profile's subtitle `——记…`,
//!    an event headline (`…召开…会`, `…开展…活动`).
//! 5. Anything else is [`Kind::Other`].
//!
//! Patterns are plain text, matched on normalized text ([`crate::analysis::normalize`]:
//! full-width punctuation becomes ASCII, so `（试行）` and `(试行)` are the same); a `…` inside a
//! pattern stands for any text, so `召开…会` matches `召开党委会` and `召开专题会议`, and a
//! first-line pattern that starts with `^` must start a line.
//!
//! Every row carries an example it must decide and a counter-example it must not catch; the unit
//! tests check both for every row. Change a rule and bump [`VERSION`]: the index re-extracts.

use crate::analysis::normalize;

/// Version of the rules. Bump it whenever [`classify`] may answer differently.
pub const VERSION: u32 = 1;

/// The type of a report: one of the 25 types of the party and government documents zhsearch
/// reads, or [`Kind::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// 通知: a notice, including one that issues (印发) another document.
    Notice,
    /// 意见: guidelines (指导意见, 实施意见).
    Opinion,
    /// 决定: a decision.
    Decision,
    /// 通报: a circular on a case or a situation.
    Circular,
    /// 请示: a request for instructions to a higher body.
    Request,
    /// 批复: the reply to a 请示.
    Reply,
    /// 函: a letter between bodies (复函, 邀请函).
    Letter,
    /// 报告: a report to a higher body (工作报告, 调研报告).
    Report,
    /// 会议纪要: the minutes of a meeting.
    Minutes,
    /// 工作总结: a summary of past work.
    Summary,
    /// 述职报告: an account of one's own performance in office (述职述廉报告 included).
    DutyReport,
    /// 工作计划: a work plan (工作要点, 工作安排).
    Plan,
    /// 实施方案: a plan for carrying something out (活动方案, 工作方案).
    Scheme,
    /// 讲话: a speech (发言, 致辞, 主持词).
    Speech,
    /// 心得体会: what one learned (学习体会, 读后感, …有感).
    Reflection,
    /// 汇报材料: a briefing to visiting or higher officials (工作汇报).
    Briefing,
    /// 思想汇报: a party member's or applicant's report on their thinking.
    ThoughtReport,
    /// 对照检查材料: self-examination for a 民主生活会 or 组织生活会 (检视剖析材料).
    SelfExamination,
    /// 事迹材料: the deeds of a model person or unit (a profile `——记…`).
    Deeds,
    /// 规章制度: rules and regulations (办法, 细则, 议事规则, 制度).
    Regulation,
    /// 党课讲稿: the script of a party lecture.
    PartyLecture,
    /// 简报: a bulletin of short news items.
    Newsletter,
    /// 申请书: an application (入党申请书).
    Application,
    /// 新闻报道: a news report of an event.
    News,
    /// 其他: none of the above.
    Other,
}

impl Kind {
    /// Every kind, in declaration order.
    pub const ALL: [Kind; 25] = [
        Kind::Notice,
        Kind::Opinion,
        Kind::Decision,
        Kind::Circular,
        Kind::Request,
        Kind::Reply,
        Kind::Letter,
        Kind::Report,
        Kind::Minutes,
        Kind::Summary,
        Kind::DutyReport,
        Kind::Plan,
        Kind::Scheme,
        Kind::Speech,
        Kind::Reflection,
        Kind::Briefing,
        Kind::ThoughtReport,
        Kind::SelfExamination,
        Kind::Deeds,
        Kind::Regulation,
        Kind::PartyLecture,
        Kind::Newsletter,
        Kind::Application,
        Kind::News,
        Kind::Other,
    ];

    /// The Chinese label users see and type (`kind:述职报告`).
    pub fn label(self) -> &'static str {
        match self {
            Kind::Notice => "通知",
            Kind::Opinion => "意见",
            Kind::Decision => "决定",
            Kind::Circular => "通报",
            Kind::Request => "请示",
            Kind::Reply => "批复",
            Kind::Letter => "函",
            Kind::Report => "报告",
            Kind::Minutes => "会议纪要",
            Kind::Summary => "工作总结",
            Kind::DutyReport => "述职报告",
            Kind::Plan => "工作计划",
            Kind::Scheme => "实施方案",
            Kind::Speech => "讲话",
            Kind::Reflection => "心得体会",
            Kind::Briefing => "汇报材料",
            Kind::ThoughtReport => "思想汇报",
            Kind::SelfExamination => "对照检查材料",
            Kind::Deeds => "事迹材料",
            Kind::Regulation => "规章制度",
            Kind::PartyLecture => "党课讲稿",
            Kind::Newsletter => "简报",
            Kind::Application => "申请书",
            Kind::News => "新闻报道",
            Kind::Other => "其他",
        }
    }

    /// The kind whose [`label`](Kind::label) is `label` (surrounding whitespace ignored), if any.
    pub fn from_label(label: &str) -> Option<Kind> {
        let label = label.trim();
        Kind::ALL.into_iter().find(|k| k.label() == label)
    }
}

/// Serialized as its label (`述职报告`), as users read and type it.
impl serde::Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.label())
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// Where a rule looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    /// The pattern occurs in the first lines of the text, and is a news dateline.
    Dateline,
    /// The outer title ends with the pattern.
    TitleSuffix,
    /// The pattern occurs in the first lines of the text (after the title and header lines).
    FirstLines,
    /// The pattern occurs anywhere in the outer title.
    TitleContains,
}

/// One row of the rule table.
#[derive(Debug)]
// The note, example and counter-example document the row for readers; only tests read them.
#[cfg_attr(not(test), allow(dead_code))]
struct Rule {
    place: Place,
    /// The text to find; `…` stands for any text in between.
    pattern: &'static str,
    kind: Kind,
    /// Why the row exists.
    note: &'static str,
    /// A title (for title rows) or the opening of a text (for first-line rows) the row decides.
    example: &'static str,
    /// One that looks alike but that this row must not catch.
    counter: &'static str,
}

/// Shorthand for the table.
const fn row(
    place: Place,
    pattern: &'static str,
    kind: Kind,
    note: &'static str,
    example: &'static str,
    counter: &'static str,
) -> Rule {
    Rule {
        place,
        pattern,
        kind,
        note,
        example,
        counter,
    }
}

use Kind as K;
use Place::{Dateline, FirstLines as Lines, TitleContains as Contains, TitleSuffix as Suffix};

/// The rules, in evaluation order (see the module documentation).
#[rustfmt::skip]
static RULES: &[Rule] = &[
    // ── 1. A news dateline: the outermost wrapper, a news item about whatever it reports ──────
    row(Dateline, "^本报讯", K::News, "a newspaper's dateline", "本报讯(记者 王强)3月5日,全市…", "本报告讯问了…"),
    row(Dateline, "^央视网消息", K::News, "CCTV's dateline", "央视网消息(新闻联播):国家主席习近平…", "央视网报道消防演练"),
    row(Dateline, "^中国网络电视台", K::News, "CCTV's dateline until 2012", "中国网络电视台消息(新闻联播):欧洲核子中心…", "学习中国网络电视台的做法"),
    row(Dateline, "(新闻联播)", K::News, "the broadcast in a dateline: 央视网(新闻联播)", "央视网(新闻联播):昨天…", "观看新闻联播后的感想"),
    row(Dateline, "^新华社…电", K::News, "新华社北京3月5日电", "新华社北京3月5日电 记者从…获悉", "学习新华社评论员文章"),
    row(Dateline, "月…日电 ", K::News, "any agency's dateline: 人民网北京3月5日电", "人民网北京3月5日电 全国…", "3月5日电话会议上,书记指出"),
    row(Dateline, "月…日电(", K::News, "a dateline with the reporter: …日电(记者 …)", "人民网北京3月5日电(记者 王强)全国…", "3月5日电话(会议)"),
    row(Dateline, "^本台消息", K::News, "a broadcaster's dateline", "本台消息:今天上午…", "本台节目单"),
    // ── 2. The last type word of the title ───────────────────────────────────────────────────
    // News headlines that end in a type word: the event, not the document.
    row(Suffix, "并…讲话", K::News, "X出席…并(发表主旨)讲话 is a headline", "全省组织工作会议召开 王书记出席并讲话", "王书记在全省组织工作会议上的讲话"),
    row(Suffix, "并…发言", K::News, "X出席…并(作主旨)发言 is a headline", "总理出席亚欧首脑会议并发言", "总理在亚欧首脑会议上的发言"),
    row(Suffix, "发表…讲话", K::News, "a headline about a speech: 发表(重要/主旨)讲话", "李克强在大会上发表重要讲话", "在全县大会上的讲话"),
    row(Suffix, "发表…致辞", K::News, "a headline about a greeting: 发表(视频)致辞", "习近平向峰会发表视频致辞", "在峰会上的致辞"),
    row(Suffix, "上致辞", K::News, "在…上致辞, a verb: a headline (a speech is 在…上的致辞)", "李克强在全球疫苗峰会视频会议上致辞", "李克强在全球疫苗峰会视频会议上的致辞"),
    row(Suffix, "评价…讲话", K::News, "reactions to a speech", "多国人士高度评价习近平的重要讲话", "习近平在大会上的重要讲话"),
    row(Suffix, "的讲话", K::Speech, "在…上的讲话 is a speech, even one about 学习 (before 学习…讲话)", "在学习教育动员大会上的讲话", "学习教育动员大会讲话精神"),
    row(Suffix, "学习…讲话", K::News, "学习贯彻…重要讲话: news or commentary about a speech", "全军认真学习深刻领会总书记重要讲话", "在学习教育动员大会上的讲话"),
    row(Suffix, "全体会", K::News, "…召开全体会, before 体会", "欧洲议会就伊核协议问题召开全体会", "学习党史的体会"),
    row(Suffix, "公布…报告", K::News, "a headline about a report", "美国公布中情局酷刑报告", "中情局年度报告"),
    row(Suffix, "发布…报告", K::News, "a headline about a report", "联合国发布《2020年世界经济形势与展望》报告", "世界经济形势调研报告"),
    row(Suffix, "播发…报告", K::News, "a headline about a report", "新华社受权播发全国人大常委会工作报告", "全国人大常委会工作报告"),
    row(Suffix, "作重要讲话", K::News, "a headline about a speech", "总书记在座谈会上作重要讲话", "书记在座谈会上的重要讲话"),
    row(Suffix, "并…致辞", K::News, "a headline about a greeting", "省长出席开幕式并致辞", "省长在开幕式上的致辞"),
    row(Suffix, "致贺词", K::News, "X代表中共中央致贺词 is a headline", "民盟全国代表大会开幕 张高丽代表中共中央致贺词", "2022年新年贺词"),
    row(Suffix, "作辅导报告", K::News, "a headline about a lecture", "研讨班开班 刘云山作辅导报告", "学习贯彻十八大精神辅导报告"),
    row(Suffix, "作政府工作报告", K::News, "a headline about the government's report", "人代会开幕 李克强作政府工作报告", "2019年政府工作报告"),
    // Self-examination before the speech and report rows it ends like.
    row(Suffix, "对照检查…发言", K::SelfExamination, "a self-examination delivered as a speech", "民主生活会对照检查发言", "在民主生活会上的发言"),
    row(Suffix, "对照检查材料", K::SelfExamination, "", "2019年度民主生活会个人对照检查材料", "2019年度民主生活会情况报告"),
    row(Suffix, "剖析材料", K::SelfExamination, "检视剖析材料, 党性分析剖析材料", "主题教育检视剖析材料", "主题教育学习材料"),
    row(Suffix, "检视材料", K::SelfExamination, "", "组织生活会个人检视材料", "组织生活会情况通报"),
    row(Suffix, "检查材料", K::SelfExamination, "个人检查材料", "专题民主生活会个人检查材料", "专题民主生活会方案"),
    row(Suffix, "对照检查", K::SelfExamination, "", "领导班子专题民主生活会对照检查", "领导班子专题民主生活会召开"),
    row(Suffix, "查摆问题清单", K::SelfExamination, "", "个人查摆问题清单", "个人有关事项"),
    // Performance in office before 报告.
    row(Suffix, "述职…报告", K::DutyReport, "述职报告, 述职述廉报告, 述职述德述廉报告", "2018年度述职述廉报告", "2018年度工作报告"),
    row(Suffix, "述责…报告", K::DutyReport, "述责述廉报告", "党委书记述责述廉报告", "党委书记调研报告"),
    row(Suffix, "述廉报告", K::DutyReport, "", "领导干部述廉报告", "领导干部廉政报告"),
    row(Suffix, "述职", K::DutyReport, "个人述职, without 报告", "2019年度个人述职", "2019年度个人总结"),
    row(Suffix, "述廉", K::DutyReport, "述职述廉, without 报告", "局长述职述廉", "局长讲廉政"),
    // Summaries with next year's plan: the summary is what they are.
    row(Suffix, "总结…计划", K::Summary, "总结暨…计划 is mostly a summary", "2019年工作总结暨2020年工作计划", "2020年工作计划"),
    row(Suffix, "总结…打算", K::Summary, "", "今年工作总结和明年工作打算", "明年工作打算"),
    row(Suffix, "总结…思路", K::Summary, "", "2021年工作总结及2022年工作思路", "2022年工作思路"),
    row(Suffix, "总结报告", K::Summary, "before 报告", "党建工作总结报告", "党建工作报告"),
    row(Suffix, "总结", K::Summary, "工作总结, 年终总结, 个人总结", "2017年度党建工作总结", "关于报送年度工作总结的通知"),
    row(Suffix, "思想汇报", K::ThoughtReport, "before 汇报", "2020年第一季度入党积极分子思想汇报", "2020年第一季度工作汇报"),
    row(Suffix, "汇报材料", K::Briefing, "", "迎接省委巡视组汇报材料", "迎接省委巡视组的通知"),
    row(Suffix, "汇报", K::Briefing, "工作汇报, 情况汇报", "乡村振兴工作情况汇报", "乡村振兴工作情况报告"),
    row(Suffix, "申请书", K::Application, "入党申请书, 转正申请书", "大学生入党申请书", "关于申请资金的请示"),
    row(Suffix, "入党申请", K::Application, "", "2021年最新入党申请", "入党积极分子思想汇报"),
    row(Suffix, "转正申请", K::Application, "", "预备党员转正申请", "预备党员考察"),
    row(Suffix, "请示", K::Request, "", "关于申请拨付党建经费的请示", "关于拨付党建经费的批复"),
    row(Suffix, "批复", K::Reply, "", "关于同意设立党总支的批复", "关于设立党总支的请示"),
    row(Suffix, "会议纪要", K::Minutes, "", "镇党委会议纪要(第12次)", "关于印发《会议纪要》的通知"),
    row(Suffix, "纪要", K::Minutes, "座谈会纪要, 办公会纪要", "党建工作座谈会纪要", "党建工作座谈会召开"),
    row(Suffix, "会议记录", K::Minutes, "a record of a meeting is read as its minutes", "支部委员会会议记录", "支部委员会会议通知"),
    row(Suffix, "通知", K::Notice, "the outer type of 关于印发《…》的通知", "关于印发《2020年党建工作实施方案》的通知", "学习《关于加强党建的通知》的心得体会"),
    row(Suffix, "通告", K::Notice, "announcements are notices", "关于疫情防控的通告", "关于疫情防控的报告"),
    row(Suffix, "公告", K::Notice, "announcements are notices", "招聘工作人员公告", "招聘工作人员方案"),
    row(Suffix, "意见", K::Opinion, "指导意见, 实施意见", "关于加强基层党组织建设的意见", "关于印发《加强基层党组织建设的意见》的通知"),
    row(Suffix, "决定", K::Decision, "", "关于表彰先进基层党组织的决定", "关于贯彻落实《中共中央关于…的决定》的通知"),
    row(Suffix, "通报", K::Circular, "情况通报", "关于违反中央八项规定精神典型问题的通报", "关于典型问题通报的说明"),
    row(Suffix, "复函", K::Letter, "", "关于商请支持的复函", "关于商请支持的复查"),
    row(Suffix, "函", K::Letter, "商洽函, 邀请函", "关于商请协助调查的函", "关于商请协助调查的函件办理情况"),
    row(Suffix, "演讲稿", K::Speech, "", "我为党旗添光彩演讲稿", "我为党旗添光彩征文"),
    row(Suffix, "党课讲稿", K::PartyLecture, "before 讲稿", "七一专题党课讲稿", "七一专题讲座通知"),
    row(Suffix, "党课", K::PartyLecture, "微党课, 专题党课", "书记讲的一堂专题党课", "关于开展专题党课的通知"),
    row(Suffix, "讲稿", K::PartyLecture, "讲稿 in party reports is nearly always a lecture", "学习党章辅导讲稿", "学习党章辅导报告"),
    row(Suffix, "讲话", K::Speech, "讲话, 重要讲话, 书面讲话", "县委书记在全县党建工作会议上书面讲话", "全县党建工作会议召开"),
    row(Suffix, "讲话稿", K::Speech, "", "七一表彰大会讲话稿", "七一表彰大会方案"),
    row(Suffix, "讲话提纲", K::Speech, "", "在中心组学习会上的讲话提纲", "中心组学习会学习提示"),
    row(Suffix, "的发言", K::Speech, "在…上的发言", "在座谈会上的发言", "座谈会发言人名单"),
    row(Suffix, "发言", K::Speech, "表态发言, 交流发言", "在全市大会上的表态发言", "在全市大会上的表态"),
    row(Suffix, "发言稿", K::Speech, "", "优秀党员代表发言稿", "优秀党员代表名单"),
    row(Suffix, "发言提纲", K::Speech, "", "研讨会发言提纲", "研讨会通知"),
    row(Suffix, "致辞", K::Speech, "", "在开学典礼上的致辞", "开学典礼举行"),
    row(Suffix, "贺词", K::Speech, "新年贺词", "2022年新年贺词", "2022年新年计划"),
    row(Suffix, "主持词", K::Speech, "", "民主生活会主持词", "民主生活会方案"),
    row(Suffix, "开幕词", K::Speech, "", "党代会开幕词", "党代会开幕"),
    row(Suffix, "闭幕词", K::Speech, "", "党代会闭幕词", "党代会闭幕"),
    row(Suffix, "心得体会", K::Reflection, "", "学习党史心得体会", "关于报送学习心得体会的通知"),
    row(Suffix, "体会", K::Reflection, "学习体会", "学习十九大精神体会", "学习十九大精神计划"),
    row(Suffix, "心得", K::Reflection, "", "主题教育学习心得", "主题教育学习安排"),
    row(Suffix, "有感", K::Reflection, "读…有感, 学习…有感", "学习《习近平谈治国理政》有感", "学习《习近平谈治国理政》计划"),
    row(Suffix, "感悟", K::Reflection, "", "驻村工作感悟", "驻村工作汇报"),
    row(Suffix, "读后感", K::Reflection, "", "《平凡的世界》读后感", "《平凡的世界》书评会召开"),
    row(Suffix, "观后感", K::Reflection, "", "《榜样》观后感", "《榜样》播出"),
    row(Suffix, "事迹材料", K::Deeds, "", "优秀共产党员张三同志事迹材料", "优秀共产党员推荐名单"),
    row(Suffix, "事迹", K::Deeds, "先进事迹, 主要事迹", "张三同志先进事迹", "张三同志任职通知"),
    row(Suffix, "工作要点", K::Plan, "", "2021年党建工作要点", "2021年党建工作要闻"),
    row(Suffix, "要点", K::Plan, "学习要点 reads as a plan", "2021年理论学习中心组学习要点", "2021年理论学习中心组学习简况"),
    row(Suffix, "工作安排", K::Plan, "", "2021年食品安全重点工作安排", "2021年食品安全重点工作成效"),
    row(Suffix, "安排", K::Plan, "学习安排, 计划安排", "2021年中心组学习安排", "2021年中心组学习成效"),
    row(Suffix, "计划", K::Plan, "工作计划, 学习计划", "2021年党支部工作计划", "2021年党支部工作总结"),
    row(Suffix, "打算", K::Plan, "明年工作打算", "2022年工作打算", "2022年工作回顾"),
    row(Suffix, "工作思路", K::Plan, "", "2022年工作思路", "2022年工作亮点"),
    row(Suffix, "规划", K::Plan, "发展规划", "十四五党建工作规划", "十四五党建工作成就"),
    row(Suffix, "方案", K::Scheme, "实施方案, 活动方案, 工作方案", "开展“我为群众办实事”活动方案", "关于印发《活动方案》的通知"),
    row(Suffix, "预案", K::Scheme, "应急预案: a plan of what to do", "防汛应急预案", "防汛应急演练举行"),
    row(Suffix, "办法", K::Regulation, "管理办法(试行): the bracket is stripped first", "党费收缴使用管理办法(试行)", "关于党费管理有关问题的说明"),
    row(Suffix, "细则", K::Regulation, "实施细则", "党组工作规则实施细则", "关于制定实施细则的请示"),
    row(Suffix, "规则", K::Regulation, "议事规则", "镇党委会议议事规则", "镇党委会议议事情况"),
    row(Suffix, "制度", K::Regulation, "", "三会一课制度", "关于落实三会一课制度的情况报告"),
    row(Suffix, "规定", K::Regulation, "暂行规定", "机关公务接待管理规定", "关于执行接待规定的通报"),
    row(Suffix, "条例", K::Regulation, "", "中国共产党支部工作条例", "学习《中国共产党支部工作条例》心得"),
    row(Suffix, "章程", K::Regulation, "", "志愿服务协会章程", "志愿服务协会成立"),
    row(Suffix, "准则", K::Regulation, "", "党员行为准则", "党员行为表现"),
    row(Suffix, "守则", K::Regulation, "", "机关工作人员守则", "机关工作人员名单"),
    row(Suffix, "简报", K::Newsletter, "工作简报, 信息简报", "主题教育工作简报(第5期)", "主题教育工作总结"),
    row(Suffix, "快讯", K::News, "联播快讯: short news items", "国内联播快讯", "国内联播述评"),
    row(Suffix, "报告", K::Report, "工作报告, 调研报告, 情况报告", "关于基层党建工作的调研报告", "关于基层党建工作的调研报告会召开"),
    // ── 3. The first lines of the text ───────────────────────────────────────────────────────
    row(Lines, "同志们:", K::Speech, "a speech opens with its audience", "同志们:\n今天我们召开…", "各位同志的意见"),
    row(Lines, "我志愿加入", K::Application, "the opening of an application to join the party", "敬爱的党组织:\n我志愿加入中国共产党…", "我志愿服务了三年"),
    row(Lines, "敬爱的党组织", K::ThoughtReport, "after 我志愿加入: a report to the party", "敬爱的党组织:\n近期我认真学习了…", "敬爱的老师:\n近期我认真学习了…"),
    // ── 4. Anywhere in the title ─────────────────────────────────────────────────────────────
    row(Contains, "—记", K::Deeds, "a profile: …——记XX同志", "扎根基层的好书记——记小营盘镇党委书记张三", "扎根基层的好书记"),
    row(Contains, "新闻发布会", K::News, "", "区政府新闻发布会:前三季度经济运行情况", "区政府前三季度经济运行情况"),
    row(Contains, "召开…会", K::News, "an event headline", "全县召开党风廉政建设工作会议", "全县党风廉政建设工作会议成效"),
    row(Contains, "会…召开", K::News, "an event headline: …会议召开", "全县党风廉政建设工作会议召开", "关于召开党风廉政建设工作会议"),
    row(Contains, "开展…活动", K::News, "an event headline", "市直机关开展主题党日活动", "市直机关主题党日"),
    row(Contains, "举行", K::News, "an event headline", "习近平举行仪式欢迎毛里塔尼亚总统访华", "习近平欢迎毛里塔尼亚总统访华"),
    row(Contains, "会见", K::News, "an event headline", "李克强会见瑞士联邦主席", "李克强与瑞士联邦主席"),
    row(Contains, "开幕", K::News, "an event headline", "第十二届文博会在深圳开幕", "第十二届文博会在深圳"),
    row(Contains, "闭幕", K::News, "an event headline", "全国两会闭幕", "全国两会"),
    row(Contains, "对照检查", K::SelfExamination, "a self-examination whose title ends in no type word", "民主生活会对照检查(个人)提纲", "民主生活会召开情况"),
    row(Contains, "述职", K::DutyReport, "a performance report whose title ends in no type word", "党委书记抓基层党建述职评议", "习近平会见来京述职的崔世安"),
];

/// The outer title: `title` normalized, with `【…】` column tags and `《…》` embedded titles
/// removed, dashes unified to `—`, and trailing brackets, quotes, punctuation and web-page noise
/// (`范文`, `3篇`) stripped. A title that is nothing but one `《…》` keeps its content.
fn outer_title(title: &str) -> String {
    let normalized = normalize(title);
    let mut text: String = normalized
        .trim()
        .trim_start_matches('#')
        .chars()
        .map(|c| match c {
            '-' | '─' | '―' | '–' | '－' => '—',
            c => c,
        })
        .collect();
    text = remove_blocks(&text, '【', '】');
    let without_titles = remove_blocks(&text, '《', '》');
    text = if without_titles.chars().any(crate::analysis::is_word_char) {
        without_titles
    } else {
        text.replace(['《', '》'], "")
    };
    strip_trailing_noise(&text).to_string()
}

/// `text` without the bracketed blocks `open…close` (nested blocks included). An unclosed
/// block is kept: it is more likely a typo than a title.
fn remove_blocks(text: &str, open: char, close: char) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    let mut pending = String::new();
    for c in text.chars() {
        if c == open {
            depth += 1;
            pending.push(c);
        } else if c == close && depth > 0 {
            depth -= 1;
            if depth == 0 {
                pending.clear();
            } else {
                pending.push(c);
            }
        } else if depth > 0 {
            pending.push(c);
        } else {
            out.push(c);
        }
    }
    out.push_str(&pending);
    out
}

/// Words that web pages append to the titles of downloadable reports.
const TRAILING_NOISE: &[&str] = &[
    "范文",
    "范本",
    "范例",
    "模板",
    "大全",
    "精选",
    "汇编",
    "最新",
    "全文",
    "完整版",
];

/// `text` without trailing whitespace, punctuation, bracketed groups, counts (`3篇`, `2019`) and
/// [`TRAILING_NOISE`], repeatedly: `管理办法(试行)` → `管理办法`, `述职报告范文3篇` → `述职报告`.
fn strip_trailing_noise(mut text: &str) -> &str {
    loop {
        let before = text.len();
        text = text.trim_end_matches(|c: char| {
            c.is_whitespace()
                || matches!(
                    c,
                    '"' | '\''
                        | '“'
                        | '”'
                        | '‘'
                        | '’'
                        | '。'
                        | '.'
                        | ','
                        | ':'
                        | ';'
                        | '!'
                        | '?'
                        | '、'
                        | '…'
                        | '—'
                        | '~'
                        | '*'
                        | '_'
                )
        });
        for (open, close) in [
            ('(', ')'),
            ('[', ']'),
            ('〔', '〕'),
            ('<', '>'),
            ('〈', '〉'),
        ] {
            if text.ends_with(close) {
                if let Some(start) = text.rfind(open) {
                    text = &text[..start];
                }
            }
        }
        if let Some(rest) = text.strip_suffix('篇') {
            let count = rest.trim_end_matches(|c: char| {
                c.is_ascii_digit() || "一二三四五六七八九十两".contains(c)
            });
            if count.len() < rest.len() {
                text = count;
            }
        }
        text = text.trim_end_matches(|c: char| c.is_ascii_digit());
        for noise in TRAILING_NOISE {
            if let Some(rest) = text.strip_suffix(noise) {
                text = rest;
            }
        }
        if text.len() == before {
            return text;
        }
    }
}

/// Whether the parts of `pattern` (split at `…`) occur in `haystack` in order; with `suffix`,
/// the last part must end `haystack`. A pattern that starts with `^` must start a line.
fn matches(pattern: &str, haystack: &str, suffix: bool) -> bool {
    if let Some(anchored) = pattern.strip_prefix('^') {
        let (first, rest) = anchored.split_once('…').unwrap_or((anchored, ""));
        return haystack.lines().any(|line| {
            line.strip_prefix(first)
                .is_some_and(|after| matches(rest, after, suffix))
        });
    }
    let mut parts: Vec<&str> = pattern.split('…').filter(|p| !p.is_empty()).collect();
    let mut hay = haystack;
    if suffix {
        let Some(last) = parts.pop() else {
            return false;
        };
        let Some(rest) = hay.strip_suffix(last) else {
            return false;
        };
        hay = rest;
    }
    for part in parts {
        match hay.find(part) {
            Some(i) => hay = &hay[i + part.len()..],
            None => return false,
        }
    }
    true
}

/// How many lines after the title and header lines count as the first lines.
const FIRST_LINES: usize = 3;
/// How much of each of them is read, in characters: markers open a text.
const FIRST_LINE_CHARS: usize = 60;

/// How much of the text is searched for the first lines, in bytes: markers open a text, and a
/// long report is not normalized whole to find them.
const HEAD_BYTES: usize = 4096;

/// The opening of the text, normalized: up to [`FIRST_LINES`] non-empty lines, each cut to
/// [`FIRST_LINE_CHARS`], skipping the title line and header lines (`时间:`, `来源:`, …). Joined
/// with `\n`.
fn first_lines(text: &str, title: &str) -> String {
    let mut cut = text.len().min(HEAD_BYTES);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let text = normalize(&text[..cut]);
    let title = normalize(title);
    const HEADERS: &[&str] = &[
        "时间",
        "日期",
        "发布时间",
        "发布日期",
        "来源",
        "作者",
        "浏览",
        "编辑",
        "责任编辑",
    ];
    let title = title.trim().trim_start_matches('#').trim();
    let mut out = String::new();
    let mut taken = 0;
    for line in text.lines() {
        let line = line.trim().trim_start_matches('#').trim();
        if line.is_empty() || (!title.is_empty() && line == title) {
            continue;
        }
        if HEADERS.iter().any(|h| line.starts_with(h)) && line.chars().count() < 40 {
            continue;
        }
        if taken > 0 {
            out.push('\n');
        }
        out.extend(line.chars().take(FIRST_LINE_CHARS));
        taken += 1;
        if taken == FIRST_LINES {
            break;
        }
    }
    out
}

/// The index in [`RULES`] of the row that decides, if any.
fn deciding_rule(title: &str, text: &str) -> Option<usize> {
    let outer = outer_title(title);
    // The title before a `——` subtitle, unless the subtitle is a profile's `——记…`.
    let main = outer
        .split_once('—')
        .filter(|(_, sub)| !sub.trim_start_matches('—').starts_with('记'))
        .map(|(main, _)| strip_trailing_noise(main))
        .filter(|main| !main.is_empty() && *main != outer);
    let head = first_lines(text, title);
    let first = |place: Place, haystack: &str| {
        let suffix = place == Place::TitleSuffix;
        RULES
            .iter()
            .position(|r| r.place == place && matches(r.pattern, haystack, suffix))
    };
    first(Place::Dateline, &head)
        .or_else(|| first(Place::TitleSuffix, &outer))
        .or_else(|| main.and_then(|main| first(Place::TitleSuffix, main)))
        .or_else(|| first(Place::FirstLines, &head))
        .or_else(|| first(Place::TitleContains, &outer))
}

/// The document type of a report, decided from the title first, and the first lines where the
/// title is not enough (see the [module documentation](self) for the rules).
///
/// `text` may start with the title line and header lines (`时间:…`), as a report's text does.
///
/// ```
/// use zhsearch::knowledge::kind::{classify, Kind};
///
/// assert_eq!(classify("关于印发《2020年党建工作实施方案》的通知", ""), Kind::Notice);
/// assert_eq!(classify("2018年度述职述廉报告", ""), Kind::DutyReport);
/// assert_eq!(classify("李克强会见瑞士联邦主席", ""), Kind::News);
/// assert_eq!(classify("无题", "同志们：\n今天我们召开……"), Kind::Speech);
/// assert_eq!(classify("博乐市小营盘镇党委", ""), Kind::Other);
/// ```
pub fn classify(title: &str, text: &str) -> Kind {
    deciding_rule(title, text).map_or(Kind::Other, |i| RULES[i].kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The title and text an example or counter-example of `rule` stands for.
    fn case(rule: &Rule, sample: &'static str) -> (&'static str, &'static str) {
        match rule.place {
            Place::Dateline | Place::FirstLines => ("无题", sample),
            _ => (sample, ""),
        }
    }

    #[test]
    fn every_row_decides_its_example_and_not_its_counter_example() {
        let mut failures = Vec::new();
        for (i, rule) in RULES.iter().enumerate() {
            let (title, text) = case(rule, rule.example);
            let got = deciding_rule(title, text);
            if got != Some(i) || classify(title, text) != rule.kind {
                failures.push(format!(
                    "row {i} {:?} {:?} ({}): example {:?} decided by row {:?}",
                    rule.place, rule.pattern, rule.note, rule.example, got
                ));
            }
            let (title, text) = case(rule, rule.counter);
            if deciding_rule(title, text) == Some(i) {
                failures.push(format!(
                    "row {i} {:?} {:?}: caught its counter-example {:?}",
                    rule.place, rule.pattern, rule.counter
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn rows_are_grouped_in_evaluation_order_and_documented() {
        for pair in RULES.windows(2) {
            assert!(
                pair[0].place <= pair[1].place,
                "{:?} out of its group",
                pair[1]
            );
        }
        for rule in RULES {
            assert!(
                !rule.pattern.is_empty() && !rule.example.is_empty() && !rule.counter.is_empty()
            );
            for part in rule.pattern.split('…') {
                assert_eq!(
                    normalize(part),
                    part,
                    "patterns are normalized (`…` is ours)"
                );
            }
        }
    }

    #[test]
    fn a_longer_suffix_comes_before_a_shorter_one_it_ends_with() {
        let suffixes: Vec<(usize, &str)> = RULES
            .iter()
            .enumerate()
            .filter(|(_, r)| r.place == Place::TitleSuffix)
            .map(|(i, r)| (i, r.pattern.rsplit('…').next().unwrap_or(r.pattern)))
            .collect();
        // A row with a `…` is more specific than its last part alone: the examples test that it
        // is not shadowed.
        for &(i, short) in &suffixes {
            if RULES[i].pattern.contains('…') {
                continue;
            }
            for &(j, long) in &suffixes {
                if long != short && long.ends_with(short) {
                    assert!(
                        j < i,
                        "{long:?} (row {j}) must come before {short:?} (row {i})"
                    );
                }
            }
        }
    }

    #[test]
    fn labels_round_trip_and_are_distinct() {
        let mut labels: Vec<&str> = Kind::ALL.iter().map(|k| k.label()).collect();
        for kind in Kind::ALL {
            assert_eq!(Kind::from_label(kind.label()), Some(kind));
        }
        assert_eq!(Kind::from_label(" 述职报告 "), Some(Kind::DutyReport));
        assert_eq!(Kind::from_label("述职"), None);
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), 25);
    }

    #[test]
    fn the_outer_type_wins() {
        assert_eq!(
            classify("关于印发《XX镇2020年实施方案》的通知", ""),
            Kind::Notice
        );
        assert_eq!(
            classify("关于认真学习《述职报告》的意见", ""),
            Kind::Opinion
        );
        assert_eq!(classify("XX局局长2019年述职述廉报告", ""), Kind::DutyReport);
        assert_eq!(
            classify("国务院办公厅印发《2016年食品安全重点工作安排》", ""),
            Kind::Other
        );
        assert_eq!(classify("《XX镇党建工作实施方案》", ""), Kind::Scheme);
    }

    #[test]
    fn full_width_punctuation_brackets_and_noise_are_handled() {
        assert_eq!(
            classify("党费收缴使用管理办法（试行）", ""),
            Kind::Regulation
        );
        assert_eq!(classify("镇党委会议纪要（第１２次）", ""), Kind::Minutes);
        assert_eq!(classify("2019年个人述职报告范文3篇", ""), Kind::DutyReport);
        assert_eq!(
            classify("“不忘初心、牢记使命”主题教育检视剖析材料。", ""),
            Kind::SelfExamination
        );
        assert_eq!(classify("# 镇党委会议纪要", ""), Kind::Minutes);
        assert_eq!(classify("扎根边疆的好干部－－记XX同志", ""), Kind::Deeds);
    }

    #[test]
    fn a_subtitle_gives_the_main_title_a_second_chance() {
        assert_eq!(
            classify("2019年工作总结——砥砺奋进谱新篇", ""),
            Kind::Summary
        );
        assert_eq!(classify("好书记——记张三同志", ""), Kind::Deeds);
    }

    #[test]
    fn the_first_lines_skip_the_title_and_header_lines() {
        let text = "某某\n\n时间:2020-10-20浏览:0\n\n央视网消息(新闻联播):今天……";
        assert_eq!(classify("某某", text), Kind::News);
        // A marker deep in the text is not an opening.
        let deep = "某某\n第一段。\n第二段。\n第三段。\n本报讯 这不是开头。";
        assert_eq!(classify("某某", deep), Kind::Other);
        // A dateline is the outer wrapper; other openings only speak where the title is silent.
        let news = "央视网消息(新闻联播):国务院办公厅日前批转……";
        assert_eq!(
            classify("国务院办公厅批转随迁子女异地升学考试的意见", news),
            Kind::News
        );
        assert_eq!(
            classify("在全县大会上的讲话", "敬爱的党组织:\n……"),
            Kind::Speech
        );
        assert_eq!(classify("无题", "敬爱的党组织:\n……"), Kind::ThoughtReport);
    }

    #[test]
    fn hostile_titles_do_not_panic() {
        for title in [
            "",
            "《",
            "》",
            "(",
            ")",
            "——",
            "…",
            "《》",
            "【】通知",
            "(((",
            "篇篇篇",
            "2019",
        ] {
            let _ = classify(title, title);
        }
        assert_eq!(classify("", ""), Kind::Other);
    }

    #[test]
    fn the_bundled_corpus() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let expected = [
            ("000_44c36bc19d531045.txt", Kind::Other),
            ("2018_党建工作总结.txt", Kind::Summary),
            ("会议纪要_党委会.md", Kind::Minutes),
            ("新闻发布_全角.txt", Kind::News),
            ("述职报告_gb18030.txt", Kind::DutyReport),
        ];
        for (file, kind) in expected {
            let bytes = std::fs::read(root.join(file)).unwrap_or_default();
            let report = crate::ingest::Report::from_bytes(file, &bytes);
            let Ok(report) = report else {
                panic!("{file} unreadable");
            };
            assert_eq!(classify(&report.title, &report.text), kind, "{file}");
        }
    }
}
