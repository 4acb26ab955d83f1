//! Chinese by default, English on request: every string a page shows is
//! looked up here by key, so the two languages cannot drift apart unseen
//! (a test checks that every key has both).

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn from_cookie(value: Option<&str>) -> Lang {
        if value == Some("en") { Lang::En } else { Lang::Zh }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// (key, Chinese, English)
const STRINGS: &[(&str, &str, &str)] = &[
    ("app", "党员积分管理", "Member points"),
    ("login", "登录", "Sign in"),
    ("logout", "退出", "Sign out"),
    ("logout_everywhere", "退出所有设备", "Sign out everywhere"),
    ("login_name", "账号", "Login"),
    ("password", "密码", "Password"),
    ("new_password", "新密码（至少10位）", "New password (10 characters or more)"),
    ("repeat_password", "再次输入新密码", "Repeat the new password"),
    ("change_password", "修改密码", "Change password"),
    ("must_change_password", "首次登录，请先修改密码。", "First sign-in: please change your password."),
    ("bad_login", "账号或密码不正确。", "Wrong login or password."),
    (
        "locked",
        "尝试次数过多，账号已暂时锁定，请15分钟后再试。",
        "Too many attempts: the account is locked for 15 minutes.",
    ),
    ("too_many", "请求过于频繁，请稍后再试。", "Too many requests; please try again later."),
    ("dashboard", "工作台", "Dashboard"),
    ("my_record", "我的积分", "My record"),
    ("standings", "积分排行", "Standings"),
    ("cards", "联系卡", "Household cards"),
    ("households", "联系户", "Households"),
    ("members", "党员", "Members"),
    ("branch", "支部", "Branch"),
    ("all_branches", "全部支部", "All branches"),
    ("name", "姓名", "Name"),
    ("rank", "名次", "Rank"),
    ("stars", "星级", "Stars"),
    ("total", "总分", "Total"),
    ("points", "积分", "Points"),
    ("year", "年度", "Year"),
    ("date", "日期", "Date"),
    ("reason", "事由", "Reason"),
    ("source", "来源", "Source"),
    ("recorder", "记录人", "Recorded by"),
    ("recorded_at", "记录时间", "Recorded at"),
    ("rule", "规则", "Rule"),
    ("search", "搜索（姓名或拼音首字母）", "Search (name or pinyin initials)"),
    ("previous_page", "上一页", "Previous"),
    ("seal", "本年度结果封存码", "This year's seal"),
    ("seal_published", "公示时", "at public notice"),
    ("seal_download", "下载封存文件", "Download the seal"),
    ("receipt", "收据", "Receipt"),
    ("next_page", "下一页", "Next"),
    ("sort_rank", "按名次", "By rank"),
    ("sort_name", "按姓名拼音", "By name (pinyin)"),
    ("not_eligible", "不参评", "Not rated"),
    ("credits", "总分构成（条目、上限、补计、折算）", "How the total adds up"),
    ("ratings_withheld", "本期评议不足3条，不公开明细", "Fewer than 3 ratings this window: details withheld"),
    ("ratings_of_window", "联系户评议", "Household ratings"),
    ("satisfied", "满意", "Satisfied"),
    ("basically_satisfied", "基本满意", "Basically satisfied"),
    ("not_satisfied", "不满意", "Not satisfied"),
    ("comment", "意见建议（选填）", "Comment (optional)"),
    ("submit", "提交", "Submit"),
    ("rate_title", "联系党员服务满意度评议", "How satisfied are you with your party member's service?"),
    ("rate_window", "本期评议时间", "This rating window"),
    (
        "rate_once",
        "每户每期评议一次，评议内容对党员保密。",
        "One rating per household per window; the member never sees who rated.",
    ),
    ("rate_thanks", "感谢您的评议！", "Thank you for your rating!"),
    ("rate_done_already", "本户本期已经评议过了，下期再来。", "This household has already rated in this window."),
    ("rate_not_open", "本年度评议尚未开始。", "Rating is not open this year."),
    ("rate_no_member", "本户暂未联系党员。", "No member serves this household yet."),
    ("link_unknown", "链接无效。", "This link is not valid."),
    (
        "link_revoked",
        "此链接已停用，请向社区索取新的联系卡。",
        "This link was revoked; ask the community for a new card.",
    ),
    (
        "link_replaced",
        "此联系卡已更换，请使用社区新发的联系卡。",
        "This card has been replaced; please use the new card from the community.",
    ),
    (
        "link_locked",
        "输错次数过多，此链接已锁定。请联系社区党委更换联系卡。",
        "Too many wrong tries: this link is locked. Ask the community committee for a new card.",
    ),
    (
        "bind_intro",
        "首次在本手机上使用此链接，请输入户主在社区登记的手机号码后四位，确认是本户后即可评议。",
        "The first time this link is used on this phone, type the last four digits of the head of household's phone as registered with the community; then you can rate.",
    ),
    (
        "bind_visit_intro",
        "本户在社区名册上没有登记手机号码：请在社区党委上门走访时，输入工作人员提供的8位开通码，在本手机上开通。",
        "This household has no phone on the community's roll: at a visit, type the 8-digit code the committee's visitor gives you to open the link on this phone.",
    ),
    (
        "bind_visit_none",
        "目前没有待用的开通码，请联系社区党委上门开通。",
        "No code is waiting; ask the community committee to open the link at a visit.",
    ),
    (
        "bind_tries",
        "最多可输错{max}次，输错{max}次后此链接将被锁定，需由社区党委更换联系卡。还可尝试{left}次。",
        "At most {max} wrong tries: after {max} the link is locked until the committee replaces the card. {left} tries left.",
    ),
    ("bind_digits", "手机号码后四位", "Last four digits of the phone"),
    ("bind_visit_code", "上门开通码（8位数字）", "Visit code (8 digits)"),
    ("bind_submit", "确认", "Confirm"),
    ("bind_wrong", "号码不正确。", "That is not right."),
    ("bind_malformed", "请输入4位数字。", "Please type four digits."),
    ("bind_malformed_visit", "请输入{n}位数字。", "Please type {n} digits."),
    (
        "bind_first",
        "请先在本手机上确认户主手机号码后四位，再进行评议。",
        "Confirm the phone's last four digits on this phone before rating.",
    ),
    ("receipts", "评议回执", "Rating receipts"),
    (
        "receipts_intro",
        "年度结果封存后，可下载本户评议的回执，核对本户的评议已计入公布的结果。",
        "Once a year is sealed, download your household's receipts to check that your ratings count in the published result.",
    ),
    ("download_receipt", "下载回执", "Download the receipt"),
    ("cards_print_branch", "打印本支部联系卡（PDF）", "Print this branch's cards (PDF)"),
    ("cards_print_all", "打印全部联系卡（PDF）", "Print every card (PDF)"),
    (
        "cards_reprint_note",
        "联系卡只由党委打印，每次打印都记入审计日志。再次打印已打印过的联系卡时，会为其生成新链接，旧卡随即失效。",
        "Only the committee prints cards, and every print is audited. Printing a card again gives it a new link; the old card stops working.",
    ),
    ("card_printed", "已打印", "Printed"),
    ("card_not_printed", "未打印", "Not printed"),
    ("card_devices", "已开通手机", "Phones opened"),
    ("card_locked", "已锁定", "Locked"),
    ("card_no_link", "无链接", "No link"),
    ("card_no_phone", "名册无手机号", "No phone on the roll"),
    ("visit_code", "生成上门开通码", "Make a visit code"),
    (
        "visit_code_shown",
        "上门开通码：{code}。{days}天内有效，只显示这一次，只能开通一部手机；请在上门时于户主手机上输入。",
        "Visit code: {code}. Valid {days} days, shown only now, opens one phone; type it on the household's phone at the visit.",
    ),
    ("origins_title", "联系户评议来源提示", "Where household ratings came from"),
    (
        "origins_intro",
        "以下情况仅供核查，不是处分：评议所用设备或网络地址与党委、支部书记账号登录时相同，或同一设备、地址有多户评议。只比较加密摘要，不保存地址本身。",
        "Prompts to look at, never penalties: ratings from the device or address of a committee or branch secretary's sign-in, and devices or addresses from which many households rated. Only keyed hashes are compared; no address is kept.",
    ),
    ("origins_none", "本年度没有需要提示的情况。", "Nothing to look at this year."),
    ("origins_entries", "相关台账记录", "Ledger entries"),
    ("your_member", "您的联系党员", "Your member"),
    ("coverage", "联户覆盖", "Household coverage"),
    ("unlinked_households", "未联系党员的农户", "Households with no member"),
    ("outside_range", "联系户数不在5-10户的党员", "Members outside the 5-10 range"),
    ("excused", "免于联户的党员", "Members excused from linking"),
    ("awaiting", "待办事项", "Awaiting action"),
    ("standings_so_far", "本年度积分（截至目前）", "This year so far"),
    ("issue_links", "生成缺少的评议链接", "Create the missing rating links"),
    ("revoke_link", "停用并更换链接", "Revoke and replace the link"),
    ("print", "打印", "Print"),
    ("print_pdf", "下载打印文件（PDF）", "Download for print (PDF)"),
    ("print_certificates", "五星级党员荣誉证书", "Five-star certificates"),
    ("print_honour_roll", "光荣榜海报", "Honour-roll poster"),
    ("phone", "电话", "Phone"),
    ("address", "住址", "Address"),
    ("scan_to_rate", "扫码评议联系党员", "Scan to rate your member"),
    ("forbidden", "您没有权限进行此操作。", "You may not do this."),
    ("not_found", "没有找到该页面。", "Page not found."),
    ("bad_request", "请求有误。", "Bad request."),
    ("csrf_failed", "表单已过期，请返回刷新后重试。", "The form expired; go back, reload and try again."),
    ("server_error", "服务器出错，请稍后再试。", "Something went wrong; please try again later."),
    ("back", "返回", "Back"),
    ("home", "返回首页", "Home"),
    ("cannot_be_done", "无法完成此操作。", "This cannot be done."),
    ("language", "English", "中文"),
    ("members_by_branch", "各支部党员", "Members by branch"),
    ("no_period", "本年度尚未开始积分。", "No rating year is open."),
    ("entries", "积分明细", "Entries"),
    ("withheld", "未公开", "withheld"),
    ("claims", "走访与学习申报", "Visits and study"),
    ("log_visit", "记录一次走访", "Log a visit"),
    ("no_households", "您还没有联系户。", "You have no linked households."),
    ("what_done", "做了什么", "What was done"),
    ("photo_optional", "照片（选填）", "Photo (optional)"),
    ("declare_study", "申报学习强国（一周学习满5天）", "Declare a study week (5+ days)"),
    ("week_of", "该周中的任一天", "Any day of the week"),
    ("screenshot", "学习强国截图", "Screenshot"),
    ("my_claims", "我的申报", "My claims"),
    ("status", "状态", "Status"),
    ("withdraw", "撤回", "Withdraw"),
    ("reviews", "待审核", "Reviews"),
    ("pending_claims", "待审核的走访与学习申报", "Claims awaiting review"),
    ("pending_leave", "待审批的请假", "Leave requests awaiting a decision"),
    ("own_claim", "这是您本人的事项，须由他人审核。", "This is about you: someone else decides it."),
    ("decision_note", "审核意见（选填）", "Note (optional)"),
    ("approve", "通过", "Approve"),
    ("reject", "不通过", "Reject"),
    ("meetings", "三会一课", "Meetings"),
    ("new_meeting", "安排会议", "Schedule a meeting"),
    ("meeting_kind", "会议类型", "Kind"),
    ("activity_kind", "活动类型", "Kind of activity"),
    ("search_button", "搜索", "Search"),
    ("missing_links", "{count} 户尚无评议链接", "{count} households have no rating link yet"),
    ("copy_notice", "复制通知文字", "Copy the notice text"),
    ("copied", "已复制，可粘贴到工作群", "Copied: paste it into the work group"),
    ("title", "主题", "Title"),
    ("place", "地点", "Place"),
    ("starts_at", "开始时间", "Starts at"),
    ("attendance", "考勤", "Attendance"),
    ("save_attendance", "保存考勤", "Save attendance"),
    ("close_meeting", "结束会议并记入积分", "Close and record points"),
    ("closed", "已结束", "Closed"),
    ("checkin_qr", "扫码签到（开会前后20分钟内有效）", "Scan to check in (20 minutes either side of the start)"),
    ("check_in", "签到", "Check in"),
    // Attendance, by its key.
    ("attendance_present", "出席", "Present"),
    ("attendance_late", "迟到", "Late"),
    ("attendance_absent", "缺席", "Absent"),
    ("attendance_excused", "请假", "On leave"),
    ("checked_in", "签到成功！", "You are checked in!"),
    ("checkin_closed", "不在签到时间内。", "Check-in is not open now."),
    ("not_your_branch", "这不是您所在支部的会议。", "This meeting is not your branch's."),
    ("ask_leave", "请假", "Ask for leave"),
    ("leave_reason", "请假事由", "Reason"),
    ("unrecorded", "尚待他人记入积分的考勤", "Attendance awaiting another recorder"),
    ("record_remaining", "记入剩余考勤", "Record the remaining attendance"),
    ("link_households", "联户定岗", "Household linking"),
    ("import_roll", "导入名册", "Import the roll"),
    ("import_rows", "行", "rows"),
    ("import_written", "已在一个事务中全部写入。", "Written, all in one transaction."),
    (
        "import_refused",
        "文件有问题，什么都没有写入：改正下列各行后重新上传。",
        "The file has problems and nothing was written: correct the rows below and upload it again.",
    ),
    ("import_added", "新增", "To add"),
    ("import_changed", "修改", "To change"),
    ("import_unchanged", "不变", "Unchanged"),
    ("import_confirm", "确认导入", "Confirm the import"),
    ("import_kind", "内容", "Contents"),
    ("import_kind_members", "党员花名册", "Members"),
    ("import_kind_households", "农户台账", "Households"),
    ("import_kind_links", "联户名单", "Household links"),
    ("import_file", "文件（.xlsx、.xls、.ods、.csv，最大 2 MB）", "File (.xlsx, .xls, .ods, .csv, at most 2 MB)"),
    ("import_preview", "预览", "Preview"),
    ("link_selected", "将选中的农户联系到", "Link the selected households to"),
    ("unlink_selected", "解除选中农户的联系", "Unlink the selected households"),
    ("linked_member", "联系党员", "Linked member"),
    ("none", "无", "none"),
    ("no_shows", "报名后未到", "Signed up, did not come"),
    ("record_no_shows", "记入未到扣分", "Record the no-shows"),
    ("honours", "光荣榜", "Honour roll"),
    (
        "provisional",
        "按积分计算，公示确认前为暂定结果",
        "Computed from the points; provisional until confirmed after public notice",
    ),
    ("streak", "连续五星", "Streak"),
    (
        "five_star_by_branch",
        "各支部五星级党员（五星支部创建参考）",
        "Five-star members by branch (for the five-star branch campaign)",
    ),
    ("rated", "参评人数", "Rated"),
    ("five_star", "五星", "Five-star"),
    ("star_history", "历年星级", "Stars by year"),
    ("activities", "志愿服务", "Volunteer service"),
    ("publish_activity", "发布志愿服务通知", "Publish an activity notice"),
    ("ends_at", "结束时间", "Ends at"),
    ("slots", "名额", "Places"),
    ("my_answer", "我的报名", "My answer"),
    ("sign_up", "报名", "Sign up"),
    ("cancel_sign_up", "取消报名", "Cancel"),
    ("notice_text", "可复制到党建工作群的通知", "Notice to paste into the work group"),
    ("signup_qr", "扫码报名", "Scan to sign up"),
    ("venue_qr", "现场扫码签到", "Scan at the venue to check in"),
    ("signed_up", "已报名", "Signed up"),
    ("checked_in_at", "签到时间", "Checked in"),
    ("confirm_service", "确认服务并记入积分", "Confirm service and record points"),
    ("not_answered", "尚未回复的党员", "Members who have not answered"),
    ("meetings_to_close", "已开始未结束的会议", "Meetings started but not closed"),
    ("my_households", "我的联系户", "My households"),
    ("party_group", "党小组（党小组会时选择）", "Party group (for a group meeting)"),
    // Step 3: integrity records, adjustments, the branch review's ballot.
    ("integrity", "诚信档案", "Integrity record"),
    (
        "integrity_help",
        "好人好事或失信记录须经党委会表决方可记分：本人及其亲属回避，达到规定人数后过半数同意方通过。",
        "A commendation or fault counts only by committee vote: the member and relatives are recused; once the quorum has voted, a majority decides.",
    ),
    ("file_record", "登记诚信档案", "File a record"),
    ("member", "党员", "Member"),
    ("description", "事由", "What happened"),
    ("evidence", "证明材料", "Evidence"),
    ("votes", "表决（同意:不同意 / 法定人数）", "Votes (for:against / quorum)"),
    ("recused", "您须回避", "You are recused"),
    ("my_vote", "我的表决", "My vote"),
    ("relatives", "亲属关系（用于回避）", "Relatives (for recusal)"),
    ("relative", "亲属", "Relative"),
    ("relation", "关系", "Relation"),
    ("mark_relatives", "登记亲属关系", "Mark as relatives"),
    ("adjustments", "人工调整", "Adjustments"),
    (
        "adjustments_help",
        "人工调整须由一名党委委员提出、另一名党委委员复核，本人不得参与；双方姓名均记入积分明细。",
        "An adjustment is made by one committee member and checked by another, never by the member concerned; both names stay on the entry.",
    ),
    ("make_adjustment", "提交调整，等待复核", "Make adjustment (awaits a checker)"),
    ("maker", "提出人", "Made by"),
    ("checker", "复核人", "Checked by"),
    ("check_note", "复核意见", "Checker's note"),
    ("ballots", "民主评议", "Branch review"),
    ("ballot", "民主评议投票", "Branch review ballot"),
    (
        "ballots_help",
        "每个支部每年一次无记名投票。预备党员参加投票但不参加评定；投票结束前任何人都看不到票数。",
        "One secret ballot per branch and year. Probationary members vote but are not graded; no one sees a tally before the close.",
    ),
    ("open_ballot", "开始投票", "Open the ballot"),
    ("papers", "已投票", "Papers cast"),
    (
        "you_voted",
        "您已投票。选票与投票人分开保存，任何人都无法查看您投了什么。",
        "You have voted. Papers are kept apart from voters; no one can see how you voted.",
    ),
    ("paper_help", "请为每位党员选择一个等次（不评自己）。", "Choose a grade for each member (not yourself)."),
    ("cast_vote", "投票", "Cast my vote"),
    ("close_ballot", "结束投票", "Close the ballot"),
    ("tally", "计票结果", "Tally"),
    ("proposed_grade", "支委会提出的等次", "Proposed grade"),
    ("excellent_cap", "优秀名额上限", "Places for 优秀 (excellent)"),
    ("decide_grades", "确定评议等次并记入积分", "Confirm grades into the ledger"),
    ("papers_needed", "达到以下票数方可结束投票", "Papers needed before the close"),
    (
        "tally_withheld",
        "本次投票未达到规定的参评人数，不公布计票结果。",
        "This ballot closed below the rulebook's turnout: no tally is shown.",
    ),
    ("exception_reason", "与计票结果不同时须写明理由", "Reason, for a grade against the tally"),
    (
        "awaiting_cosign",
        "以下与计票结果不同的等次，须另一名支委会成员会签后方可记入积分。",
        "These grades depart from the tally: a second branch-committee member co-signs them before they count.",
    ),
    ("cosign", "会签同意", "Co-sign"),
    ("motion_waiting", "待另一名党委委员同意", "Waiting for a second committee member's agreement"),
    ("agree_motion", "同意", "Agree"),
    ("withdraw_exceptions", "撤回", "Withdraw"),
    ("exceptions", "与计票结果不同的等次", "Grades against the tally"),
    ("proposed_by", "提出人", "Proposed by"),
    ("cosigned_by", "会签人", "Co-signed by"),
    // Step 4: public notice, objections, finalization.
    ("rating", "星级评定", "Star rating"),
    ("notice_period", "公示期", "Public notice"),
    ("publish_rating", "发布公示", "Publish for public notice"),
    ("finalize_rating", "公示期满，确认并锁定本年度", "Finalize and lock the year"),
    ("objections", "异议", "Objections"),
    ("objection", "异议内容", "Objection"),
    ("about", "涉及党员", "About"),
    ("file_objection", "提出异议", "File an objection"),
    (
        "objection_limit",
        "每个账号、每个住户链接每年最多提出3条异议，每条不超过1000字。",
        "Each account and each household link may file at most 3 objections a year, of at most 1000 characters each.",
    ),
    (
        "objection_filed",
        "异议已提交，党委将在公示期内答复并公开。",
        "Your objection is filed; the committee answers it on the record.",
    ),
    ("answer_on_record", "答复（将公开）", "Answer (public, on the record)"),
    ("upheld", "异议成立", "Upheld"),
    ("dismissed", "异议不成立", "Dismissed"),
    ("results", "评定结果", "Results"),
    ("final", "已经公示确认", "Final, after public notice"),
    (
        "changed_since_publication",
        "公示后积分有更正，下表为更正后的结果；确认时以此为准，并记录两次结果的摘要。",
        "Points were corrected after publication; the table shows the corrected results, which finalization records beside the published ones.",
    ),
    // A region's overseer: aggregates of the communities below it.
    ("region", "区域汇总", "Region"),
    ("region_cases", "待上级决定的诚信档案", "Integrity records for the region to decide"),
    (
        "region_cases_note",
        "这些记录所在社区的党委在回避后可表决人数不足规则规定的下限，由本级组织部决定，决定及理由记入档案。",
        "Once the recused are left out, these communities' committees are below the rulebook's floor: \
         this department decides, and its decision and reason go on the record.",
    ),
    ("region_no_cases", "没有待决定的记录。", "No record waits for a decision."),
    ("region_case_eligible", "可表决的党委委员 / 下限", "Committee members who may vote / floor"),
    (
        "region_note",
        "只显示汇总数据，不含党员、农户和评议人的个人信息；少于3人的数据不显示。",
        "Aggregates only: no member, household or rater is shown; figures over fewer than 3 people are withheld.",
    ),
    (
        "region_no_figures",
        "还没有汇总数据。服务器每10分钟更新一次，也可运行 starledger stats refresh。",
        "No figures yet. The server computes them every 10 minutes, or run starledger stats refresh.",
    ),
    ("communities_compared", "各社区（村）对比", "Communities compared"),
    ("community", "社区（村）", "Community"),
    ("street", "街道/乡镇", "Street or town"),
    ("participation", "志愿服务参与率", "In volunteer service"),
    ("satisfaction", "农户满意率", "Household satisfaction"),
    (
        "branches_by_five_star",
        "支部五星率排名（五星支部创建参考）",
        "Branches by five-star share (for the five-star branch campaign)",
    ),
    (
        "branches_by_five_star_note",
        "按参评党员中五星级党员的比例排序，其次按志愿服务参与率。",
        "Ranked by the share of rated members who are five-star, then by volunteer participation.",
    ),
    ("five_star_share", "五星率", "Five-star share"),
    ("sum", "合计", "Total"),
    // A community's members' points: the tenth, fiftieth and ninetieth percentile.
    ("p10", "10%分位", "10th percentile"),
    ("p50", "中位数", "Median"),
    ("p90", "90%分位", "90th percentile"),
    ("final_short", "已确认", "final"),
    ("provisional_short", "预计", "provisional"),
    // Group robots and their outbox.
    ("robots", "群机器人", "Group robots"),
    (
        "robots_help",
        "发布志愿服务通知时，可自动推送到企业微信、钉钉、飞书工作群（每个机器人每分钟不超过20条，失败自动重试）。普通微信群没有机器人，请复制通知文字和二维码。",
        "Activity notices can be posted to WeCom, DingTalk and Feishu groups (at most 20 a minute per robot, retried on failure). Ordinary WeChat groups have no robots: paste the notice text and QR.",
    ),
    ("platform", "平台", "Platform"),
    ("signed", "已加签", "signed"),
    ("enable", "启用", "Enable"),
    ("disable", "停用", "Disable"),
    ("add_robot", "添加机器人", "Add a robot"),
    ("robot_secret", "加签密钥（钉钉、飞书；可不填）", "Signing secret (DingTalk, Feishu; optional)"),
    ("outbox", "推送记录", "Outbox"),
    ("attempts", "尝试次数", "Attempts"),
    ("resend", "重新发送", "Send again"),
    ("mark_sent", "群里已收到", "The group has it"),
    ("post_to_robots", "同时推送到工作群机器人", "Also post to the group robots"),
    // My record: where entries come from and how the total adds up.
    ("source_attendance", "考勤", "attendance"),
    ("source_study", "学习", "study"),
    ("source_visit", "走访", "visit"),
    ("source_household", "联系户评议", "household rating"),
    ("source_activity", "志愿服务", "volunteer service"),
    ("source_decision", "党委会决定", "committee decision"),
    ("source_ballot", "民主评议", "branch review"),
    ("source_adjustment", "人工调整", "adjustment"),
    ("term_ledger", "账本条目合计（已扣除冲销）", "entries, net of reversals"),
    ("term_over_cap", "全年上限{cap}分，超出{cut}分不计", "above the yearly cap of {cap}: {cut} not counted"),
    ("term_over_cap_label", "{category}：超出上限", "{category}: above the cap"),
    ("term_exempt_label", "{category}：免于联户补计", "{category}: credit for a member excused from linking"),
    ("term_partial_year", "在册不满一年折算", "Part of the year on the roll, scaled"),
    ("motion_reopen", "重新开启", "Reopen"),
    ("motion_publish_again", "再次公示", "Publish again"),
    ("reopen_year", "重新开启本年度（记录原因）", "Reopen the year (with a reason)"),
    (
        "see_notice",
        "年度星级评定正在公示：查看结果，有异议可在此提出",
        "The year's star rating is in public notice: see the results and object here",
    ),
    (
        "scan_for_notice",
        "年度评定公示期间，扫同一二维码可查看结果、提出异议。",
        "During the year's public notice, the same QR shows the results and takes objections.",
    ),
    ("claim_submitted", "已提交，等待审核", "Submitted: waiting for review"),
    (
        "claim_submitted_wait",
        "这条申报已经收到，无需再次提交；审核后积分会记入“我的积分”。",
        "This claim is in; no need to submit it again. Once approved, its points appear in My record.",
    ),
    (
        "year_running",
        "{year} 年度正在进行中：积分随记随算，名次和星级只是目前的情况，年度结束并经公示后才确定。",
        "{year} is still running: points count as they are recorded, and ranks and stars only say where things stand; they are settled after the year ends and its public notice.",
    ),
    ("nothing_to_rank", "本年度还没有积分记录，暂不排名。", "No points are recorded this year yet: nobody is ranked."),
    (
        "not_publishable_yet",
        "{year} 年度尚未结束，年终后才能发布公示。",
        "{year} is not over: its results are published for public notice after it ends.",
    ),
    ("rest_qualified", "未选的全部选“合格”", "Grade everyone not yet chosen as qualified"),
    ("confirm_cannot_undo", "确认后不能撤销。", "Once confirmed, this cannot be undone."),
    ("confirm_back", "返回，不做任何更改", "Go back without changing anything"),
    ("nobody", "无", "Nobody"),
    ("confirm_publish_heading", "确认发布 {year} 年度公示", "Publish {year}'s results for public notice?"),
    (
        "confirm_publish_summary",
        "将公示 {year} 年度星级评定结果：{members} 名党员，其中参评 {rated} 名，五星级 {five} 名。",
        "{year}'s star rating will be made public: {members} members, {rated} of them rated, {five} five-star.",
    ),
    (
        "confirm_publish_period",
        "公示期 {from} 至 {until}；期间党员和联系户可以提出异议，党委须逐条答复。",
        "Public notice from {from} to {until}; members and households may object, and the committee answers each.",
    ),
    ("confirm_publish_button", "确认发布公示", "Publish for public notice"),
    ("confirm_finalize_heading", "确认并锁定 {year} 年度", "Finalize and lock {year}?"),
    (
        "confirm_finalize_summary",
        "{members} 名党员的星级将成为 {year} 年度的最终结果，其中五星级 {five} 名；光荣榜显示为最终结果。",
        "The stars of {members} members become {year}'s final result, {five} of them five-star; the honour roll shows them as final.",
    ),
    (
        "confirm_finalize_lock",
        "锁定后，{year} 年度不能再记入任何积分，除非党委重新开启并记录原因。",
        "Once locked, nothing more is recorded in {year} unless the committee reopens it with a reason on the record.",
    ),
    ("confirm_finalize_button", "确认并锁定本年度", "Finalize and lock the year"),
    ("five_star_members", "五星级党员", "Five-star members"),
    ("confirm_ballot_heading", "确认结束投票", "Close the ballot?"),
    (
        "confirm_ballot_summary",
        "{branch} {year} 年度民主评议：已投 {papers} 张选票，应投 {voters} 人，{missing} 人未投。",
        "{branch}'s review of {year}: {papers} papers cast of {voters} voters; {missing} have not voted.",
    ),
    (
        "confirm_ballot_after",
        "结束后任何人不能再投票；计票结果对本支部公开，支委会据此为 {graded} 名党员提出等次。",
        "After the close nobody votes; the tally is shown to the branch, and its committee proposes the grades of {graded} members from it.",
    ),
    ("confirm_ballot_button", "确认结束投票", "Close the ballot"),
    ("confirm_service_heading", "确认服务：{title}", "Confirm service: {title}"),
    (
        "confirm_service_summary",
        "将为 {count} 名党员记入志愿服务积分，共 {entries} 条记录、{points} 分。",
        "{count} members will be credited for the service: {entries} entries, {points} points in all.",
    ),
    ("confirm_service_members", "将记入积分的党员", "Members to be credited"),
    ("confirm_service_button", "确认服务，记入积分", "Confirm the service and record the points"),
    ("confirm_service_none", "没有选中需要确认的党员。", "No member awaiting confirmation was chosen."),
    ("confirm_meeting_heading", "结束会议：{title}", "Close the meeting: {title}"),
    (
        "confirm_meeting_summary",
        "将为 {count} 名党员记入 {entries} 条积分：出席 {present} 人，迟到 {late} 人，缺席 {absent} 人，请假 {excused} 人。",
        "{entries} entries will be recorded for {count} members: {present} present, {late} late, {absent} absent, {excused} on leave.",
    ),
    (
        "confirm_meeting_unmarked",
        "还有 {count} 人没有标记。请返回签到表逐一标记，或在下面明确选择其余人员全部出席或全部缺席。",
        "{count} members are not marked. Go back and mark them, or choose below that all of them were present, or all absent.",
    ),
    ("confirm_meeting_absent", "将记为缺席（扣分）", "To be recorded absent (a deduction)"),
    ("confirm_meeting_unmarked_names", "尚未标记", "Not marked"),
    ("confirm_meeting_recused", "回避，由其他人记录", "Recused: someone else records them"),
    ("confirm_meeting_button", "确认结束会议，记入积分", "Close the meeting and record the points"),
    ("confirm_all_present", "其余 {count} 人全部记为出席", "Record the other {count} as present"),
    ("confirm_all_absent", "其余 {count} 人全部记为缺席", "Record the other {count} as absent"),
];

#[derive(Clone, Copy, Debug, Default)]
pub struct Tr(pub Lang);

impl Tr {
    pub fn get(&self, key: &str) -> &'static str {
        match STRINGS.iter().find(|(k, ..)| *k == key) {
            Some((_, zh, en)) => match self.0 {
                Lang::Zh => zh,
                Lang::En => en,
            },
            None => {
                debug_assert!(false, "missing translation key {key}");
                "?"
            }
        }
    }

    /// A sentence of the table with its `{name}` slots filled in.
    pub fn fill(&self, key: &str, values: &[(&str, &dyn std::fmt::Display)]) -> String {
        values.iter().fold(self.get(key).to_string(), |text, (name, value)| {
            text.replace(&format!("{{{name}}}"), &value.to_string())
        })
    }

    /// [`Tr::fill`] with one slot, as templates call it.
    pub fn fill_one(&self, key: &str, name: &str, value: impl std::fmt::Display) -> String {
        self.fill(key, &[(name, &value)])
    }

    pub fn lang(&self) -> &'static str {
        self.0.code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_unique_and_in_both_languages() {
        let mut keys: Vec<&str> = STRINGS.iter().map(|(k, ..)| *k).collect();
        keys.sort();
        let count = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), count, "duplicate keys");
        assert!(STRINGS.iter().all(|(_, zh, en)| !zh.is_empty() && !en.is_empty()));
        assert_eq!(Tr(Lang::En).get("login"), "Sign in");
        assert_eq!(Tr(Lang::Zh).get("login"), "登录");
    }
}
